/// The live dashboard at `GET /` of the daemon's TCP listener: one self-contained page (no external scripts, styles
/// or fonts, so it works offline) that reads `GET /_ghcache/dashboard.json` every 5 s and charts hit rate, API calls
/// saved, rate limit remaining and connected peers over the last hour.
public enum DashboardPage {
    /// The JSON the page reads.
    public static let dataPath = "/_ghcache/dashboard.json"

    /// The page.
    public static let html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>ghcache</title>
        <style>
          body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1f2328; background: #f6f8fa; }
          h1 { font-size: 20px; margin: 0 0 4px; }
          #status { color: #59636e; margin-bottom: 16px; }
          .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 16px; }
          .card { background: #fff; border: 1px solid #d1d9e0; border-radius: 8px; padding: 12px 16px; }
          .label { color: #59636e; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
          .value { font-size: 28px; font-weight: 600; margin: 2px 0 8px; }
          svg { width: 100%; height: 90px; display: block; }
          polyline { fill: none; stroke: #0969da; stroke-width: 2; }
          .axis { stroke: #d1d9e0; stroke-width: 1; }
          table { border-collapse: collapse; margin-top: 16px; background: #fff; }
          td { border: 1px solid #d1d9e0; padding: 4px 10px; }
        </style>
        </head>
        <body>
        <h1>ghcache</h1>
        <div id="status">loading…</div>
        <div class="grid">
          <div class="card"><div class="label">Hit rate</div><div class="value" id="hit-rate">–</div><svg id="chart-hit-rate" viewBox="0 0 300 90" preserveAspectRatio="none"></svg></div>
          <div class="card"><div class="label">API calls saved</div><div class="value" id="api-calls-saved">–</div><svg id="chart-api-calls-saved" viewBox="0 0 300 90" preserveAspectRatio="none"></svg></div>
          <div class="card"><div class="label">Rate limit remaining</div><div class="value" id="rate-limit-remaining">–</div><svg id="chart-rate-limit-remaining" viewBox="0 0 300 90" preserveAspectRatio="none"></svg></div>
          <div class="card"><div class="label">Peers</div><div class="value" id="peers">–</div><svg id="chart-peers" viewBox="0 0 300 90" preserveAspectRatio="none"></svg></div>
        </div>
        <table id="counters"></table>
        <script>
        "use strict";
        const hour = 3600;
        function chart(id, samples, key, fixedMax) {
          const svg = document.getElementById(id);
          const now = Date.now() / 1000;
          const points = samples.filter(s => s[key] !== null && s[key] !== undefined && now - s.t <= hour);
          const max = fixedMax || Math.max(1, ...points.map(s => s[key]));
          const xy = points.map(s => [300 - (now - s.t) / hour * 300, 88 - s[key] / max * 84]);
          svg.innerHTML = '<line class="axis" x1="0" y1="88" x2="300" y2="88"/>' +
            '<polyline points="' + xy.map(p => p[0].toFixed(1) + "," + p[1].toFixed(1)).join(" ") + '"/>';
          svg.setAttribute("data-points", String(points.length));
        }
        function show(data) {
          const now = data.now;
          document.getElementById("hit-rate").textContent = (now.hit_rate * 100).toFixed(1) + "%";
          document.getElementById("api-calls-saved").textContent = String(now.api_calls_saved);
          const remaining = now.rate_limit && now.rate_limit.remaining;
          document.getElementById("rate-limit-remaining").textContent =
            remaining === null || remaining === undefined ? "not seen" : String(remaining);
          document.getElementById("peers").textContent = String(now.connected_peers);
          chart("chart-hit-rate", data.samples, "hit_rate", 1);
          chart("chart-api-calls-saved", data.samples, "api_calls_saved");
          chart("chart-rate-limit-remaining", data.samples, "rate_limit_remaining");
          chart("chart-peers", data.samples, "peers");
          const rows = [["local hits", now.local_hits], ["peer hits", now.peer_hits], ["misses", now.misses],
            ["not modified", now.not_modified], ["stale served", now.stale_served], ["api calls", now.api_calls],
            ["entries", now.cache_size], ["fills", now.fill ? now.fill.filled : 0]];
          document.getElementById("counters").innerHTML =
            rows.map(r => "<tr><td>" + r[0] + "</td><td id=\\"count-" + r[0].replace(/ /g, "-") + "\\">" + r[1] + "</td></tr>").join("");
          document.getElementById("status").textContent = "peer " + (now.peer_id || "(no libp2p)") +
            " · updated " + new Date().toLocaleTimeString();
        }
        async function refresh() {
          try {
            const response = await fetch("\(dataPath)", { cache: "no-store" });
            show(await response.json());
          } catch (error) {
            document.getElementById("status").textContent = "cannot reach the daemon: " + error;
          }
        }
        refresh();
        setInterval(refresh, 5000);
        </script>
        </body>
        </html>
        """
}
