/**
 * Heavy libraries loaded on first use, not at import time. In the shipped bundles the build maps
 * these `require`s to separately bundled chunks (dist/chunks/*.js, see scripts/build.mjs), so the
 * extension's activation neither parses nor evaluates them.
 */
import type AjvClass from 'ajv';
import type { RE2JS } from 're2js';

/*
 * Parts of this project loaded on first use, bundled by the build as dist/chunks/<name>.js like the
 * libraries below (the require paths are the build's keys: keep them in step with scripts/build.mjs).
 */

/** The protocol layer (client sessions, decoders, mock protocol endpoints), loaded on first protocol use. */
export function loadProtocols(): typeof import('./protocolsChunk') {
  return require('./protocolsChunk') as typeof import('./protocolsChunk');
}

/** The codecs layer (encode, decode, `.proto` schemas), loaded on the first codec message or `codecs` rule. */
export function loadCodecLayer(): typeof import('./codecsChunk') {
  return require('./codecsChunk') as typeof import('./codecsChunk');
}

/** The socket engine (Connection, MockServer, `ws`), loaded on the first connection or mock. */
export function loadEngine(): typeof import('./engineChunk') {
  return require('./engineChunk') as typeof import('./engineChunk');
}

/** HAR export and import, recording → mock, session → scenario, command lines: loaded when their command runs. */
export function loadSessionTools(): typeof import('./sessionToolsChunk') {
  return require('./sessionToolsChunk') as typeof import('./sessionToolsChunk');
}

/** Transcripts: the streaming writer, reading and serializing, loaded when a session is first recorded or a transcript opened. */
export function loadTranscripts(): typeof import('./transcriptsChunk') {
  return require('./transcriptsChunk') as typeof import('./transcriptsChunk');
}

/** Editing collection files in place (jsonc-parser's modify and format), loaded with the first edit. */
export function loadCollectionEdit(): typeof import('./collectionEditChunk') {
  return require('./collectionEditChunk') as typeof import('./collectionEditChunk');
}

/** The collection and mock JSON Schemas, loaded with ajv on first validation. */
export function loadSchemas(): typeof import('./schemasChunk') {
  return require('./schemasChunk') as typeof import('./schemasChunk');
}

/** The scenario runner (collection tests), loaded when the Test Explorer first runs a test. */
export function loadScenarioRunner(): typeof import('./scenario/runner') {
  return require('./scenario/runner') as typeof import('./scenario/runner');
}

/** ajv's constructor (JSON Schema validation of collections and mock definitions). */
export function loadAjv(): typeof AjvClass {
  const m = require('ajv');
  return (m.default ?? m) as typeof AjvClass;
}

/** socket.io-parser (Socket.IO packets, binary attachments), loaded on first Socket.IO decode. */
export function loadSocketIoParser(): typeof import('socket.io-parser') {
  return require('socket.io-parser') as typeof import('socket.io-parser');
}

/** engine.io-parser (Engine.IO packets under Socket.IO), loaded on first Socket.IO decode. */
export function loadEngineIoParser(): typeof import('engine.io-parser') {
  return require('engine.io-parser') as typeof import('engine.io-parser');
}

/** mqtt-packet (MQTT 3.1.1 and 5 packets), loaded on first MQTT decode or encode. */
export function loadMqttPacket(): typeof import('mqtt-packet') {
  return require('mqtt-packet') as typeof import('mqtt-packet');
}

/** re2js (the linear-time regular expression engine behind src/core/pattern.ts). */
export function loadRe2(): typeof RE2JS {
  return (require('re2js') as typeof import('re2js')).RE2JS;
}

/** @msgpack/msgpack (MessagePack payloads, SignalR's MessagePack hub protocol), loaded on first use. */
export function loadMsgpack(): typeof import('@msgpack/msgpack') {
  return require('@msgpack/msgpack') as typeof import('@msgpack/msgpack');
}

/** cbor2 (CBOR payloads, pure JavaScript), loaded on first use. */
export function loadCbor(): typeof import('cbor2') {
  return require('cbor2') as typeof import('cbor2');
}

/** protobufjs (Protobuf payloads with `.proto` schemas from the workspace), loaded on first use. */
export function loadProtobuf(): typeof import('protobufjs') {
  return require('protobufjs') as typeof import('protobufjs');
}

/** The aedes MQTT broker engine behind MQTT mocks, loaded when the first MQTT mock starts. */
export function loadAedes(): { Aedes: { createBroker(opts?: object): Promise<AedesBroker> } } {
  return require('aedes') as { Aedes: { createBroker(opts?: object): Promise<AedesBroker> } };
}

/** The part of an aedes broker the MQTT mock uses. */
export interface AedesBroker {
  handle(stream: import('node:stream').Duplex): unknown;
  publish(packet: { cmd: 'publish'; topic: string; payload: Buffer; qos: 0 | 1 | 2; retain: boolean; dup: boolean }, done: (err?: Error) => void): void;
  close(done: () => void): void;
  on(event: 'publish', l: (packet: { topic: string; payload: Buffer; qos: number; retain: boolean }, client: { id: string; conn?: unknown } | null) => void): void;
  on(event: 'subscribe', l: (subs: { topic: string; qos: number }[], client: { id: string; conn?: unknown } | null) => void): void;
  on(event: 'clientError' | 'connectionError', l: (client: { id: string; conn?: unknown } | null, err: Error) => void): void;
  authenticate: (client: { id: string; conn?: unknown }, username: string | undefined, password: Buffer | undefined, done: (err: Error | null, ok: boolean) => void) => void;
}
