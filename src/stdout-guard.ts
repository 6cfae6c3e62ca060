// Imported first by main: stdout carries only Airbyte messages, so anything a library prints with
// console.log/info/debug goes to stderr instead, and jsforce's own logger (which can print SOAP
// bodies with session ids when JSFORCE_LOG_LEVEL is set) is silenced.

process.env.JSFORCE_LOG_LEVEL = "NONE";
const toStderr = (...args: unknown[]): void => console.error(...args);
console.log = toStderr;
console.info = toStderr;
console.debug = toStderr;
export {};
