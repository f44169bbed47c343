// The what-if panel: moving a slider re-scores the team through POST /v1/whatif with the
// page's session cookie and CSRF token. Results are written with textContent only.
(function () {
  "use strict";
  var form = document.getElementById("whatif");
  if (!form) { return; }
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";
  var data = form.dataset;
  var sliders = Array.prototype.slice.call(form.querySelectorAll('input[type="range"]'));
  var riskEl = document.getElementById("whatif-risk");
  var bandEl = document.getElementById("whatif-band");
  var changeEl = document.getElementById("whatif-change");
  var reasonsEl = document.getElementById("whatif-reasons");
  var shapes = { high: "▲", medium: "◆", low: "●" };
  var timer = null;
  var sequence = 0;

  function show(input, value) {
    var number = Number(value);
    if (input.dataset.percent === "1") { return Math.round(number * 100) + "%"; }
    var unit = input.dataset.unit ? " " + input.dataset.unit : "";
    return number.toFixed(Number(input.dataset.decimals || 0)) + unit;
  }
  function label(input) {
    document.getElementById("out-" + input.name).textContent = show(input, input.value);
  }
  function changes() {
    var result = {};
    sliders.forEach(function (input) {
      if (Number(input.value) !== Number(input.defaultValue)) { result[input.name] = Number(input.value); }
    });
    return result;
  }
  function percent(risk) { return (risk * 100).toFixed(1) + "%"; }
  function setBand(band) {
    bandEl.textContent = "";
    var span = document.createElement("span");
    span.className = "band band-" + band;
    var icon = document.createElement("span");
    icon.setAttribute("aria-hidden", "true");
    icon.textContent = shapes[band] || "";
    span.appendChild(icon);
    span.appendChild(document.createTextNode(" " + (data["tBand" + band.charAt(0).toUpperCase() + band.slice(1)] || band)));
    bandEl.appendChild(span);
  }
  function render(before, after) {
    riskEl.textContent = percent(after.risk);
    setBand(after.band);
    var delta = (after.risk - before.risk) * 100;
    changeEl.textContent = data.tChange.replace("{delta}", (delta >= 0 ? "+" : "") + delta.toFixed(1));
    reasonsEl.textContent = "";
    after.drivers.forEach(function (driver) {
      var item = document.createElement("li");
      var points = document.createElement("span");
      points.className = "points";
      var value = driver.contribution * 100;
      points.textContent = (value >= 0 ? "+" : "") + value.toFixed(1) + " " + data.tPoints;
      item.appendChild(points);
      item.appendChild(document.createTextNode(" " + driver.text));
      reasonsEl.appendChild(item);
    });
    form.dataset.state = "done";
  }
  function reset() {
    riskEl.textContent = riskEl.dataset.initial;
    setBand(bandEl.dataset.initial);
    changeEl.textContent = data.tUnchanged;
    reasonsEl.textContent = "";
    form.dataset.state = "idle";
  }
  function run() {
    var wanted = changes();
    if (Object.keys(wanted).length === 0) { reset(); return; }
    var mine = ++sequence;
    form.dataset.state = "busy";
    fetch(data.api, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ team_id: data.team, month: data.month, changes: wanted, lang: data.lang })
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (answer) {
      if (mine !== sequence) { return; }
      if (!answer.ok) { throw new Error(answer.body.error || "error"); }
      render(answer.body.before, answer.body.after);
    }).catch(function (problem) {
      if (mine !== sequence) { return; }
      changeEl.textContent = data.tError.replace("{error}", problem.message);
      form.dataset.state = "error";
    });
  }
  riskEl.dataset.initial = riskEl.textContent;
  var initialBand = bandEl.querySelector(".band");
  bandEl.dataset.initial = initialBand ? initialBand.className.replace("band band-", "") : "low";
  sliders.forEach(function (input) {
    label(input);
    var now = document.querySelector("#now-" + input.name + " .now-value");
    if (now) { now.textContent = show(input, input.defaultValue); }
    input.addEventListener("input", function () {
      label(input);
      sequence++; // answers to earlier positions are stale now
      form.dataset.state = "pending";
      window.clearTimeout(timer);
      timer = window.setTimeout(run, 200);
    });
  });
  document.getElementById("whatif-reset").addEventListener("click", function () {
    sliders.forEach(function (input) { input.value = input.defaultValue; label(input); });
    sequence++;
    reset();
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); run(); });
  form.dataset.state = "idle";
}());
