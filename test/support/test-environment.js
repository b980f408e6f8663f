// Every Portcullis a test starts, in-process or as a child process, opens its admin listener on a
// free port: test files run in parallel and would otherwise all ask for 3001.
process.env.ADMIN_PORT ??= '0';
