/**
 * Testing tools: build an environ like a server does, and call an app in-process.
 *
 * @module
 */
export { Client, type RequestOptions, TestResponse } from './client.js';
export { buildEnviron, type EnvironOptions, type HeadersInit } from './environ-builder.js';
