// One fetch() of the URL given, for Deno (`deno run --allow-net`) and Bun
// alike (tests/e2e/runtime_clients_npm.sh): exit 0 on a 200, non-zero with
// the runtime's own error when the certificate is refused.
const url = typeof Deno !== "undefined" ? Deno.args[0] : process.argv[2];
const r = await fetch(url);
await r.text();
console.log(r.status);
if (r.status !== 200) throw new Error("status " + r.status);
