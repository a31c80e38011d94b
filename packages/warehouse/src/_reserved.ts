/** SQL keywords reserved in PostgreSQL and DuckDB (and SQL:2016) that make bad bare column names. */
export const SQL_RESERVED = new Set(
  `all analyse analyze and any array as asc asymmetric authorization between binary both case cast check
collate collation column concurrently constraint create cross current_catalog current_date current_role
current_schema current_time current_timestamp current_user default deferrable desc distinct do else end
except false fetch for foreign freeze from full grant group having ilike in initially inner intersect into
is isnull join lateral leading left like limit localtime localtimestamp natural not notnull null offset on
only or order outer overlaps placing primary references returning right select session_user similar some
symmetric table tablesample then to trailing true union unique user using variadic verbose when where window
with pivot unpivot qualify semi anti positional struct map`.split(/\s+/),
)
