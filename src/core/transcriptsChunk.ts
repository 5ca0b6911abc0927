/**
 * Transcripts (docs/transcript-format.md) as one lazily loaded unit (see loadTranscripts in
 * src/core/lazy.ts): the streaming writer and its byte encoder, reading and serializing. The
 * shipped extension bundles it as dist/chunks/transcripts.js: it loads when a session is first
 * recorded to disk, a test run writes its transcript or a transcript is opened, not at activation.
 */
export { TranscriptWriter, makeHeader, withPayloads, readTranscript, serializeTranscript, transcriptUrl } from './collections/transcript';
