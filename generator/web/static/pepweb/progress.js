// Live progress of a cohort job: polls its status and updates the bar; reloads when done to show the downloads.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || !window.fetch) { return; }
  var bar = document.getElementById("progress");
  var text = document.getElementById("progress-text");
  var url = box.getAttribute("data-status-url");
  function tick() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) { window.setTimeout(tick, 2000); return; }
        bar.value = job.percent;
        bar.textContent = job.percent + "%";
        if (job.status === "done" || job.status === "failed") { window.location.reload(); return; }
        text.textContent = job.status === "queued" ? "Starting…" :
          job.done + " of " + job.total + " children (" + job.percent + "%).";
        window.setTimeout(tick, 700);
      })
      .catch(function () { window.setTimeout(tick, 2000); });
  }
  window.setTimeout(tick, 300);
})();
