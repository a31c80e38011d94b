import './error-codes.ts'
/**
 * The code that runs inside every sandbox context before the user's module, as the body of
 * `context.evalClosure`. `$0` is the host's fetch starter (a plain function made from an
 * ivm.Callback, or undefined), `$1` the JSON config and `$2` the identity lookup starter (or
 * undefined). It installs `log`, `console`, `fetch`, `fetchV2` and `lookupIdentity`,
 * removes what could reach outside the heap limit or run code outside
 * a timed call (SharedArrayBuffer, Atomics, WebAssembly, FinalizationRegistry), and returns
 * the functions the host calls: inspect, bind, run, take, poll, deliver, abort.
 *
 * Everything it needs from the language is captured before user code runs, so a transform
 * that replaces `JSON.stringify` or `Array.prototype.join` only breaks its own output, which
 * the host validates anyway. No isolated-vm object is ever put where user code can reach it.
 *
 * It also closes the doors out of the memory limit and the timeouts: resizable ArrayBuffers
 * (whose pages V8 commits outside the heap limit) are refused, and `Error.prepareStackTrace`
 * is fixed to undefined, so reading an error's `stack` never runs user code.
 *
 * Output of a run (a JSON string): `{"r":[entry...],"l":[log...]}` for transformEvent, where an
 * entry is an array of output events or `{"e":error}`; `{"b":[event...],"x":[failure...],"l":[...]}`
 * for transformBatch, where events are exactly what the batch returned and a failure is
 * `{"e":error,"id":...}` in its own list, so no event content can pass for an error.
 * `{"be":error,"l":[...]}` fails the whole batch (either kind: a throw, or an output budget).
 * An error is `{"c":code,"m":message,"n":name,"l":line,"k":column}`.
 */
export const RUNTIME_SOURCE = String.raw`'use strict';
const hostFetch = $0;
const cfg = JSON.parse($1);
const hostLookup = $2;
const G = globalThis;
const apply = Reflect.apply;
const stringify = JSON.stringify;
const parse = JSON.parse;
const isArray = Array.isArray;
const keys = Object.keys;
const create = Object.create;
const defineProperty = Object.defineProperty;
const Str = String;
const Err = Error;
const TypeErr = TypeError;
const P = Promise;
const resolveP = Promise.resolve;
const thenP = Promise.prototype.then;
const join = Array.prototype.join;
const split = String.prototype.split;
const indexOf = String.prototype.indexOf;
const slice = String.prototype.slice;
const exec = RegExp.prototype.exec;
const freeze = Object.freeze;
const setProto = Object.setPrototypeOf;
/**
 * A list of the runtime's own, with no prototype: no toJSON, index setter or getter that user
 * code puts on Array.prototype or Object.prototype (or a replaced global Array) touches what
 * the runtime builds, checks and serializes.
 */
function own() { const a = []; setProto(a, null); return a; }
// Errors the runtime itself makes carry their code out (user code cannot forge membership).
const issued = new WeakSet();
const addIssued = WeakSet.prototype.add;
const isIssued = WeakSet.prototype.has;
const LOCATION = /:(\d+):(\d+)\)?\s*$/;

for (const name of ['SharedArrayBuffer', 'Atomics', 'WebAssembly', 'FinalizationRegistry']) delete G[name];

// Resizable buffers reserve maxByteLength and commit pages on resize(), outside the isolate's
// memory accounting: refuse the option and remove resize, so every buffer is allocated (and
// counted) once, at its full size.
const RangeErr = RangeError;
const OriginalArrayBuffer = ArrayBuffer;
const construct = Reflect.construct;
const hasOwn = Object.prototype.hasOwnProperty;
const SafeArrayBuffer = function ArrayBuffer(length, options) {
  if (new.target === undefined) throw new TypeErr("Constructor ArrayBuffer requires 'new'");
  if (options !== undefined && options !== null && typeof options === 'object' && apply(hasOwn, options, ['maxByteLength']))
    throw new RangeErr('resizable ArrayBuffers (maxByteLength) are disabled in the Patchbay sandbox');
  return construct(OriginalArrayBuffer, [length], new.target);
};
defineProperty(SafeArrayBuffer, 'prototype', { value: OriginalArrayBuffer.prototype });
defineProperty(SafeArrayBuffer, 'isView', { value: OriginalArrayBuffer.isView, writable: true, configurable: true });
defineProperty(OriginalArrayBuffer.prototype, 'constructor', { value: SafeArrayBuffer, writable: true, configurable: true });
delete OriginalArrayBuffer.prototype.resize;
defineProperty(G, 'ArrayBuffer', { value: SafeArrayBuffer, writable: true, configurable: true, enumerable: false });
// The stack of an error is formatted lazily, on first read, by Error.prepareStackTrace if set:
// pin it to undefined so that read (by us, or by isolated-vm outside any timeout) runs no user code.
// An accessor, so assigning it is not an error, and V8 (which reads only data properties here) never calls it.
defineProperty(Err, 'prepareStackTrace', { get() { return undefined; }, set(_) {}, configurable: false });

// ---- logs, kept per run up to cfg.logLimit characters (each entry costs ENTRY_COST more, so
// a flood of empty lines is bounded too) and cfg.maxLogEntries entries
const ENTRY_COST = 64;
let logs = own();
let logCount = 0;
let logChars = 0;
let logDropped = 0;
let currentId;

function show(value) {
  if (typeof value === 'string') return value;
  try {
    if (value !== null && typeof value === 'object' && typeof value.stack === 'string' && typeof value.message === 'string') return value.stack;
    const s = stringify(value);
    if (typeof s === 'string') return s;
  } catch {}
  try { return Str(value); } catch { return '[value that cannot be printed]'; }
}

function capture(level, args) {
  let message = '';
  for (let i = 0; i < args.length; i++) {
    message += (i === 0 ? '' : ' ') + show(args[i]);
    if (message.length > cfg.logLimit) break;
  }
  // The event's messageId goes with each entry, so it counts too (a sender chooses its length).
  const cost = message.length + ENTRY_COST + (currentId === undefined ? 0 : currentId.length);
  if (logCount >= cfg.maxLogEntries || logChars + cost > cfg.logLimit) { logDropped++; return; }
  logChars += cost;
  logs[logCount++] = currentId === undefined ? { __proto__: null, level, message } : { __proto__: null, level, message, messageId: currentId };
}

function takeLogs() {
  if (logDropped > 0) {
    logs[logCount++] = { __proto__: null, level: 'warn', message: logDropped + ' more log line(s) dropped: the sandbox keeps ' + cfg.logLimit + ' log characters (64 and the messageId per entry included) and ' + cfg.maxLogEntries + ' entries per batch' };
  }
  let s;
  try { s = stringify(logs); } catch { s = '[]'; }
  logs = own();
  logCount = 0;
  logChars = 0;
  logDropped = 0;
  return s;
}

const define = (name, value) => defineProperty(G, name, { value, writable: true, configurable: true, enumerable: false });
define('log', function log(...args) { capture('log', args); });
define('console', {
  log(...args) { capture('log', args); },
  info(...args) { capture('info', args); },
  warn(...args) { capture('warn', args); },
  error(...args) { capture('error', args); },
  debug(...args) { capture('debug', args); },
});

// ---- fetch through the host (RudderStack semantics: fetch resolves to the JSON body or 'ERROR';
// fetchV2 resolves to { url, status, headers, body } and rejects on network errors)
let waiting = create(null);
let fetchSeq = 0;
let outstanding = 0;

function fetchError(d) {
  const e = new Err(d.message);
  e.name = d.name || 'FetchError';
  if (d.code) e.code = d.code;
  return e;
}

/** An error the runtime raises, whose code reaches the event's failure. */
function codedError(name, code, message) {
  const e = fetchError({ name, code, message });
  apply(addIssued, issued, [e]);
  return e;
}

function request(kind, url, init) {
  return new P((resolve, reject) => {
    if (typeof url !== 'string') {
      if (url !== null && typeof url === 'object' && typeof url.href === 'string') url = url.href;
      else { reject(new TypeErr('fetch: the URL must be a string')); return; }
    }
    const o = init === undefined || init === null ? {} : init;
    const body = o.body;
    if (body !== undefined && body !== null && typeof body !== 'string') {
      reject(new TypeErr('fetch: body must be a string; use JSON.stringify(value)'));
      return;
    }
    let headers = {};
    if (o.headers !== undefined && o.headers !== null) {
      if (typeof o.headers !== 'object') { reject(new TypeErr('fetch: headers must be an object of strings')); return; }
      const hk = keys(o.headers);
      for (let i = 0; i < hk.length; i++) headers[hk[i]] = Str(o.headers[hk[i]]);
    }
    const id = ++fetchSeq;
    let verdict;
    if (typeof hostFetch !== 'function') {
      verdict = stringify({ name: 'FetchDeniedError', code: 'PB_SANDBOX_FETCH_DENIED', message: 'fetch is not enabled in this sandbox: no hosts are allowed (sandbox fetch.allow)' });
    } else {
      verdict = hostFetch(id, stringify({ url, method: o.method === undefined ? 'GET' : Str(o.method), headers, body: body === null ? undefined : body }));
    }
    if (verdict) { reject(fetchError(parse(verdict))); return; }
    waiting[id] = { kind, resolve, reject };
    outstanding++;
  });
}

function deliver(id, json) {
  const w = waiting[id];
  if (w === undefined) return;
  delete waiting[id];
  outstanding--;
  const d = parse(json);
  if (w.kind === 'identity') {
    if (d.error) w.reject(codedError(d.error.name, d.error.code, d.error.message));
    else w.resolve(d.v === null ? undefined : frozenIdentity(d.v));
    return;
  }
  if (d.error) {
    if (w.kind === 'v1' && d.error.code !== 'PB_SANDBOX_FETCH_DENIED') w.resolve('ERROR');
    else w.reject(fetchError(d.error));
    return;
  }
  let body = d.body;
  if (w.kind === 'v1') {
    try { w.resolve(parse(body)); } catch { w.resolve('ERROR'); }
    return;
  }
  try { body = parse(body); } catch {}
  w.resolve({ url: d.url, status: d.status, headers: d.headers, body });
}

define('fetch', function fetch(url, init) { return request('v1', url, init); });
define('fetchV2', function fetchV2(url, init) { return request('v2', url, init); });

// ---- lookupIdentity through the host: the id must be a string (never coerced, so no toString
// of user code runs on our side) of 1 to ID_LIMIT characters; the answer arrives as JSON and
// is frozen here, so what user code holds is a plain copy made in this isolate.
const ID_LIMIT = 1024;
let spentLookups = '';

function frozenIdentity(v) {
  const ids = v.identifiers;
  const types = keys(ids);
  for (let i = 0; i < types.length; i++) freeze(ids[types[i]]);
  freeze(ids);
  return freeze(v);
}

function rejected(e) {
  return new P((_, reject) => reject(e));
}

function lookupIdentity(id) {
  // Over the batch's budget the call throws at once instead of returning a rejected promise
  // (each of which costs isolated-vm tens of microseconds to track): a runaway loop stops at
  // its first call over, and later calls never cross to the host.
  if (spentLookups) { const d = parse(spentLookups); throw codedError(d.name, d.code, d.message); }
  if (typeof id !== 'string')
    return rejected(codedError('TypeError', 'PB_TRANSFORM_FAILED', 'lookupIdentity: the id must be a string (such as "email:ada@example.com", a bare id or a canonical id), not ' + (id === undefined ? 'undefined' : kindOf(id))));
  if (id.length === 0 || id.length > ID_LIMIT)
    return rejected(codedError('RangeError', 'PB_TRANSFORM_FAILED', 'lookupIdentity: the id is ' + id.length + ' characters long; an id has 1 to ' + ID_LIMIT));
  if (typeof hostLookup !== 'function')
    return rejected(codedError('IdentityDisabledError', 'PB_SANDBOX_IDENTITY_DISABLED', 'lookupIdentity: identity stitching is not enabled for this pipeline; add an identity: block to the pipeline file (docs/identity.md)'));
  const verdict = hostLookup(fetchSeq + 1, id);
  if (verdict) {
    const d = parse(verdict);
    if (d.spent !== true) return rejected(codedError(d.name, d.code, d.message));
    spentLookups = verdict;
    throw codedError(d.name, d.code, d.message);
  }
  const rid = ++fetchSeq;
  return new P((resolve, reject) => {
    waiting[rid] = { kind: 'identity', resolve, reject };
    outstanding++;
  });
}

define('lookupIdentity', lookupIdentity);

// ---- errors: message, name and the first stack frame in the user's file
function describe(e) {
  let name = 'Error';
  let message;
  let code = 'PB_TRANSFORM_FAILED';
  try {
    if (e !== null && typeof e === 'object' && typeof e.message === 'string') {
      message = e.message;
      if (typeof e.name === 'string') name = e.name;
      if (e.code === 'PB_SANDBOX_FETCH_DENIED' && name === 'FetchDeniedError') code = e.code;
      else if (apply(isIssued, issued, [e]) && typeof e.code === 'string') code = e.code;
    } else if (typeof e === 'string') {
      name = 'a string';
      message = e;
    } else {
      name = 'a non-Error value';
      let s;
      try { s = stringify(e); } catch {}
      message = typeof s === 'string' ? s : (typeof e === 'symbol' ? 'a symbol' : typeof e);
    }
  } catch {
    name = 'a value';
    message = 'that cannot be described';
  }
  if (message.length > 2000) message = apply(slice, message, [0, 2000]) + '…';
  // A name is a word or two (TypeError); one of 40 MB would be repeated in every event's error.
  if (name.length > 200) name = apply(slice, name, [0, 200]) + '…';
  const out = { __proto__: null, c: code, m: message, n: name };
  try {
    const stack = e !== null && typeof e === 'object' ? e.stack : undefined;
    if (typeof stack === 'string') {
      const lines = apply(split, stack, ['\n']);
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i];
        if (apply(indexOf, line, ['(' + cfg.file + ':']) === -1 && apply(indexOf, line, ['at ' + cfg.file + ':']) === -1) continue;
        const m = apply(exec, LOCATION, [line]);
        if (m !== null) { out.l = +m[1]; out.k = +m[2]; break; }
      }
    }
  } catch {}
  return out;
}

function kindOf(v) {
  if (v === null) return 'null';
  if (isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : 'a ' + typeof v;
}

// ---- encoding what transformEvent (or transformLine) returned for one input: checked now, serialized at the end
const INVALID = (code, message) => ({ __proto__: null, e: { __proto__: null, c: code, m: message, n: 'Error' } });

/**
 * What one input's events become: a list of the runtime's own holding the events as they were
 * checked (the length read once, each item once), so neither a toJSON on the returned array nor
 * a Proxy that changes its length can fan out past what was checked.
 */
function checkOne(v) {
  // Dropped: 0 on the wire, not an empty list (a list of the runtime's own costs an allocation
  // and a prototype change per input, and the host one more array to decode; most log lines
  // of a filter are dropped).
  if (v === null || v === undefined) return 0;
  const out = own();
  if (isArray(v)) {
    const n = v.length;
    if (!(n <= cfg.maxFanOut)) return INVALID('PB_SANDBOX_OUTPUT_LIMIT', kind + ' returned ' + n + ' events for one input, over the fan-out limit of ' + cfg.maxFanOut + ' (sandbox maxFanOut)');
    for (let j = 0; j < n; j++) {
      const x = v[j];
      if (x === null || typeof x !== 'object' || isArray(x)) return INVALID('PB_TRANSFORM_INVALID_OUTPUT', kind + ' returned an array whose item ' + j + ' is ' + kindOf(x) + '; every item must be an event object');
      out[j] = x;
    }
    return out;
  }
  if (typeof v !== 'object') return INVALID('PB_TRANSFORM_INVALID_OUTPUT', kind + ' returned ' + kindOf(v) + '; return an event object, an array of them to fan out, or null to drop');
  out[0] = v;
  return out;
}

/** One entry as JSON, with the per-event output limit. */
function encodeOne(v) {
  if (!isArray(v)) return stringify(v);
  let s;
  try { s = stringify(v); } catch (e) { return stringify(INVALID('PB_TRANSFORM_INVALID_OUTPUT', 'the returned event cannot be turned into JSON: ' + describe(e).m)); }
  if (typeof s !== 'string') return stringify(INVALID('PB_TRANSFORM_INVALID_OUTPUT', 'the returned event turned into nothing when serialized (a toJSON that returns undefined?)'));
  if (s.length > cfg.outputLimit) return stringify(INVALID('PB_SANDBOX_OUTPUT_LIMIT', 'the output for this event is ' + s.length + ' characters of JSON, over the limit of ' + cfg.outputLimit));
  return s;
}

function isThenable(v) {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof v.then === 'function';
}

function idOf(ev) {
  try {
    const id = ev !== null && typeof ev === 'object' ? ev.messageId : undefined;
    return typeof id === 'string' ? id : undefined;
  } catch { return undefined; }
}

function metadataFor(meta) {
  const sourceId = meta.sourceId;
  const destinationId = meta.destinationId;
  return function metadata(event) {
    const m = {};
    if (sourceId !== undefined) m.sourceId = sourceId;
    if (destinationId !== undefined) m.destinationId = destinationId;
    const id = idOf(event);
    if (id !== undefined) m.messageId = id;
    return m;
  };
}

// ---- runs
let fn;
let kind;
let state;

function inspect(ns) {
  const names = keys(ns);
  const out = create(null);
  for (let i = 0; i < names.length; i++) out[names[i]] = typeof ns[names[i]];
  return stringify(out);
}

function bind(ns, name) {
  fn = ns[name];
  kind = name;
}

/**
 * Serializes every entry at once when the whole batch fits in one event's output limit (then
 * no single event can exceed it), else entry by entry, which finds the events over the limit
 * and fails only those.
 */
function finishEvents(st) {
  let all;
  try { all = stringify(st.out); } catch { all = undefined; }
  if (typeof all === 'string' && all.length <= cfg.outputLimit) return '{"r":' + all + ',"l":' + takeLogs() + '}';
  const n = st.out.length;
  const parts = own();
  let total = 0;
  for (let i = 0; i < n; i++) {
    parts[i] = encodeOne(st.out[i]);
    total += parts[i].length;
    if (total > cfg.batchOutputLimit) return overBatchLimit('more than ' + total);
  }
  return '{"r":[' + apply(join, parts, [',']) + '],"l":' + takeLogs() + '}';
}

/** An error of the runtime's own, as JSON (no prototype, so no toJSON of user code rewrites it). */
function wire(code, message) {
  return stringify({ __proto__: null, c: code, m: message, n: 'Error' });
}

function overBatchLimit(size) {
  return '{"be":' + wire('PB_SANDBOX_OUTPUT_LIMIT', 'the output of the whole batch is ' + size + ' characters of JSON, over the batch limit of ' + cfg.batchOutputLimit + ' (sandbox batchOutputLimitBytes)') + ',"l":' + takeLogs() + '}';
}

function runEvents(events, md) {
  const n = events.length;
  const st = { out: own(), pending: 0, done: undefined };
  for (let i = 0; i < n; i++) {
    const ev = events[i];
    currentId = idOf(ev);
    let r;
    try { r = fn(ev, md); } catch (e) { st.out[i] = { __proto__: null, e: describe(e) }; continue; }
    if (!isThenable(r)) { st.out[i] = checkOne(r); continue; }
    st.pending++;
    try {
      apply(thenP, apply(resolveP, P, [r]), [
        (v) => { st.out[i] = checkOne(v); if (--st.pending === 0) st.done = finishEvents(st); },
        (e) => { st.out[i] = { __proto__: null, e: describe(e) }; if (--st.pending === 0) st.done = finishEvents(st); },
      ]);
    } catch (e) {
      st.out[i] = { __proto__: null, e: describe(e) };
      st.pending--;
    }
  }
  currentId = undefined;
  if (st.pending === 0) return finishEvents(st);
  state = st;
  return 'P';
}

/** One failed output item of transformBatch, naming the input it belongs to. */
function itemFailure(code, message, x) {
  return stringify({ __proto__: null, e: { __proto__: null, c: code, m: message, n: 'Error' }, id: idOf(x) });
}

/** transformBatch's result: its length is read once, so a Proxy cannot grow past the fan-out check. */
function encodeBatch(v, inputs) {
  if (v === null || v === undefined) return '{"b":[],"x":[],"l":' + takeLogs() + '}';
  if (!isArray(v)) return '{"be":' + wire('PB_TRANSFORM_INVALID_OUTPUT', 'transformBatch returned ' + kindOf(v) + '; it must return an array of events') + ',"l":' + takeLogs() + '}';
  const n = v.length;
  if (!(n <= inputs * cfg.maxFanOut)) return '{"be":' + wire('PB_SANDBOX_OUTPUT_LIMIT', 'transformBatch returned ' + n + ' events for ' + inputs + ' inputs, over the fan-out limit of ' + cfg.maxFanOut + ' per input (sandbox maxFanOut)') + ',"l":' + takeLogs() + '}';
  const items = own();
  const failures = own();
  let total = 0;
  for (let j = 0; j < n; j++) {
    const x = v[j];
    if (x === null || typeof x !== 'object' || isArray(x)) {
      return '{"be":' + wire('PB_TRANSFORM_INVALID_OUTPUT', 'transformBatch returned an array whose item ' + j + ' is ' + kindOf(x) + '; every item must be an event object') + ',"l":' + takeLogs() + '}';
    }
    let s;
    try { s = stringify(x); } catch (e) { failures[failures.length] = itemFailure('PB_TRANSFORM_INVALID_OUTPUT', 'output item ' + j + ' cannot be turned into JSON: ' + describe(e).m, x); continue; }
    if (typeof s !== 'string' || s[0] !== '{') failures[failures.length] = itemFailure('PB_TRANSFORM_INVALID_OUTPUT', 'output item ' + j + ' did not serialize to a JSON object', x);
    else if (s.length > cfg.outputLimit) failures[failures.length] = itemFailure('PB_SANDBOX_OUTPUT_LIMIT', 'output item ' + j + ' is ' + s.length + ' characters of JSON, over the limit of ' + cfg.outputLimit, x);
    else {
      total += s.length;
      if (total > cfg.batchOutputLimit) return overBatchLimit('more than ' + total);
      items[items.length] = s;
    }
  }
  return '{"b":[' + apply(join, items, [',']) + '],"x":[' + apply(join, failures, [',']) + '],"l":' + takeLogs() + '}';
}

function batchError(e) {
  return '{"be":' + stringify(describe(e)) + ',"l":' + takeLogs() + '}';
}

function runBatch(events, md) {
  let r;
  try { r = fn(events, md); } catch (e) { return batchError(e); }
  if (!isThenable(r)) return encodeBatch(r, events.length);
  const st = { done: undefined };
  try {
    apply(thenP, apply(resolveP, P, [r]), [
      (v) => { st.done = encodeBatch(v, events.length); },
      (e) => { st.done = batchError(e); },
    ]);
  } catch (e) {
    return batchError(e);
  }
  state = st;
  return 'P';
}

// The last run's answer, kept until the next run: when a floating promise rejects, isolated-vm
// throws that rejection from the call instead of returning, and the host then asks for it here.
let lastSeq = 0;
let lastOutput = '';

function run(input, meta, seq) {
  state = undefined;
  // What an earlier batch left waiting for is never delivered (the host drops answers of a
  // batch that ended): forget it, so it does not count as pending in this one.
  waiting = create(null);
  outstanding = 0;
  spentLookups = '';
  lastSeq = 0;
  lastOutput = '';
  const md = metadataFor(meta);
  // transformLine's lines may cross as one string joined by newlines (none of them has one):
  // one copy instead of one per line.
  const events = typeof input === 'string' ? apply(split, input, ['\n']) : input;
  const out = kind === 'transformBatch' ? runBatch(events, md) : runEvents(events, md);
  lastSeq = seq;
  lastOutput = out;
  return out;
}

function take(seq) {
  const out = seq === lastSeq ? lastOutput : '';
  lastSeq = 0;
  lastOutput = '';
  return out;
}

function poll() {
  if (state !== undefined && state.done !== undefined) {
    const done = state.done;
    state = undefined;
    return done;
  }
  return 'P' + outstanding;
}

function abort() {
  state = undefined;
  return takeLogs();
}

return { inspect, bind, run, take, poll, deliver, abort };
`
