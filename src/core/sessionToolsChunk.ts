/**
 * What turns a recorded session into something else, as one lazily loaded unit (see
 * loadSessionTools in src/core/lazy.ts): HAR export and import, a mock from a recording, a scenario
 * from a session, websocat/wscat command lines. The shipped extension bundles it as
 * dist/chunks/sessionTools.js: these run only when their command does.
 */
export { exportHar, importHar } from './collections/har';
export { recordingToMock } from './engine/mock/recordToMock';
export { sessionToScenario } from './scenario/fromSession';
export { toWebsocatCommand, toWscatCommand } from './collections/commandLine';
