// An open-loop HTTP client: sends at a fixed rate whatever the answers do, and measures each
// request from the moment it was due (not from when it went out), so a stall shows as the
// latency every waiting request saw. Latencies are kept in microseconds in an HDR histogram.
// Run inside a task's namespaces by bench/data-path.mjs; prints one JSON line.
// Usage: node fixed-rate-client.mjs <url> <rate per second> <seconds> [warm-up seconds]
import http from "node:http";
import * as hdr from "hdr-histogram-js";

const [url, rateArg, secondsArg, warmupArg = "1"] = process.argv.slice(2);
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const warmupMs = Number(warmupArg) * 1000;
if (!url || !(rate > 0) || !(seconds > 0)) {
  console.error("usage: fixed-rate-client.mjs <url> <rate per second> <seconds> [warm-up s]");
  process.exit(2);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const histogram = hdr.build({
  lowestDiscernibleValue: 1,
  highestTrackableValue: 60_000_000,
  numberOfSignificantValueDigits: 3,
});
let errors = 0;
let sent = 0;
let open = 0;
const start = process.hrtime.bigint();
const elapsedMs = () => Number(process.hrtime.bigint() - start) / 1e6;
const totalMs = warmupMs + seconds * 1000;

function send(dueMs) {
  open++;
  const request = http.get(url, { agent }, (response) => {
    response.resume();
    response.on("end", () => {
      open--;
      if (response.statusCode !== 200) errors++;
      else if (dueMs >= warmupMs) histogram.recordValue(Math.round((elapsedMs() - dueMs) * 1000));
    });
  });
  request.on("error", () => {
    open--;
    errors++;
  });
}

await new Promise((resolve) => {
  const timer = setInterval(() => {
    const now = elapsedMs();
    // Request i is due at i / rate: at time t, requests 0 … floor(t × rate) are.
    const due = Math.min(Math.floor((now * rate) / 1000) + 1, Math.floor((totalMs * rate) / 1000));
    for (; sent < due; sent++) send((sent * 1000) / rate);
    if (now >= totalMs) {
      clearInterval(timer);
      resolve();
    }
  }, 1);
});
while (open > 0) await new Promise((r) => setTimeout(r, 10));
agent.destroy();
const us = (p) => histogram.getValueAtPercentile(p);
console.log(
  JSON.stringify({
    count: histogram.totalCount,
    errors,
    p50: us(50),
    p90: us(90),
    p99: us(99),
    max: histogram.maxValue,
  }),
);
