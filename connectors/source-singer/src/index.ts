import { singerSource } from './source.ts'

export { type SingerSourceConfig, SingerSourceConfigSchema } from './config.ts'
export { SINGER_ERROR_CODES } from './error-codes.ts'
export { type ReadSingerOptions, readSinger } from './read-singer.ts'

/** The Singer source, ready for a pipeline's `sources:`. */
export default singerSource
