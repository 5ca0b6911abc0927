/** Mock servers: definitions, validation, the server, rules/templates and record-to-mock. */
export * from './definition';
export * from './errors';
export * from './validate';
export * from './template';
export * from './rules';
export * from './mockServer';
export * from './recordToMock';
export * from './gate';
