// otgroups desk: the solve's live progress and the timetable figure (no inline scripts).
"use strict";

function pollProgress(box) {
  const url = box.dataset.url;
  const show = (id, text) => { const el = document.getElementById(id); if (el) el.textContent = text; };
  const tick = async () => {
    let job;
    try {
      const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
      if (!response.ok) return setTimeout(tick, 2000);
      job = await response.json();
    } catch (err) {
      return setTimeout(tick, 2000);
    }
    show("p-state", job.state);
    show("p-phase", job.phase);
    show("p-score", job.score ?? "—");
    show("p-bound", job.bound ?? "—");
    show("p-gap", job.gap == null ? "—" : (job.gap * 100).toFixed(1) + " %");
    show("p-elapsed", job.elapsed.toFixed(1) + " s");
    const bar = document.getElementById("p-bar");
    if (bar) bar.value = Math.min(job.elapsed, Number(bar.max));
    if (job.state === "running") return setTimeout(tick, 700);
    box.dataset.state = job.state;
    // the result (diff, publish form) is rendered by the server: load it
    window.location.reload();
  };
  setTimeout(tick, 500);
}

function drawTimetable() {
  const target = document.getElementById("timetable");
  const data = document.getElementById("timetable-data");
  if (!target || !data || !window.Plotly) return;
  const figure = JSON.parse(data.textContent);
  window.Plotly.newPlot(target, figure.data, figure.layout, { displaylogo: false, responsive: true });
}

document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("progress");
  if (box && box.dataset.state === "running") pollProgress(box);
  drawTimetable();
});
