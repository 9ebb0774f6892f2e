// The request form: built from /api/v1/form (fields, and which fields each service's rules read),
// posting the case to /api/v1/check as the provider types. It talks to no other server.
"use strict";

const API = "/api/v1";
const DEBOUNCE_MS = 200;
const state = { form: null, base: null, byId: {}, services: {}, timer: null, controller: null, seq: 0, shown: 0,
                lastChange: 0, lastCase: null, generation: 0 };

const words = (v) => String(v).replace(/_/g, " ");
const domId = (path) => "f-" + path.replace(/[^A-Za-z0-9]+/g, "-");

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") node.textContent = v;
    else if (k.startsWith("data-")) node.setAttribute(k, v);
    else if (k in node && typeof v !== "string") node[k] = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

// -- building the form ---------------------------------------------------------------------------

function control(field) {
  const id = domId(field.id);
  const hintId = id + "-hint";
  const common = { id, name: field.id, "data-path": field.id, "aria-describedby": hintId };
  const hint = el("span", { class: "hint", id: hintId, text: "Blank: " + field.blank });
  if (field.kind === "list") {
    const box = el("fieldset", { class: "field checks-field", "data-path": field.id, id, "aria-describedby": hintId },
                   el("legend", { text: field.label }));
    const checks = el("div", { class: "checks" });
    for (const opt of (field.nullable ? ["__none__"] : []).concat(field.options)) {
      const cid = id + "-" + opt;
      checks.append(el("label", { for: cid },
        el("input", { type: "checkbox", id: cid, value: opt, "data-list": field.id }),
        " " + (opt === "__none__" ? "none found" : words(opt))));
    }
    box.append(checks, hint);
    return box;
  }
  let input;
  if (["enum", "boolean", "presence", "service"].includes(field.kind)) {
    input = el("select", common);
    if (field.kind === "presence") {
      input.append(el("option", { value: "none", text: "none in the record" }),
                   el("option", { value: "yes", text: "yes" }));
    } else {
      input.append(el("option", { value: "", text: field.kind === "service" ? "choose a service" : "not stated" }));
      const opts = field.kind === "boolean" ? [["true", "yes"], ["false", "no"]] : field.options.map((o) => [o, words(o)]);
      for (const [value, text] of opts) input.append(el("option", { value, text }));
    }
  } else if (field.kind === "lines") {
    input = el("textarea", { ...common, rows: 2 });
  } else {
    const type = { integer: "number", number: "number", date: "date" }[field.kind] || "text";
    input = el("input", { ...common, type, inputmode: field.kind === "integer" ? "numeric" : null,
                          step: field.kind === "integer" ? "1" : (field.kind === "number" ? "any" : null),
                          min: field.minimum !== null && field.minimum !== undefined ? String(field.minimum) : null,
                          max: field.maximum !== null && field.maximum !== undefined ? String(field.maximum) : null,
                          autocomplete: "off" });
  }
  return el("div", { class: "field", "data-path": field.id }, el("label", { for: id, text: field.label }), input, hint);
}

function build(form) {
  state.form = form;
  for (const f of form.fields) state.byId[f.id] = f;
  for (const s of form.services) state.services[s.service] = s;
  const root = document.getElementById("fields");
  root.textContent = "";
  for (const section of form.sections) {
    const set = el("fieldset", { id: "s-" + section.id, "data-section": section.id }, el("legend", { text: section.legend }));
    for (const f of form.fields.filter((x) => x.section === section.id)) set.append(control(f));
    root.append(set);
  }
  relevance();
}

function currentService() {
  return document.getElementById(domId("requests.0.service")).value;
}

// Show the RFA fields always, and the others when the chosen service's rules read them.
function relevance() {
  const service = state.services[currentService()];
  const shown = new Set(state.form.rfa.concat(service ? service.fields : []));
  for (const node of document.querySelectorAll("#fields [data-path].field, #fields fieldset.checks-field")) {
    node.hidden = !shown.has(node.getAttribute("data-path"));
  }
  for (const set of document.querySelectorAll("#fields > fieldset")) {
    set.hidden = !set.querySelector(".field:not([hidden]), .checks-field:not([hidden])");
  }
}

// -- the case from the form, and the form from a case ---------------------------------------------

function splitPath(path, service) {
  // "treatments[$service].sessions" -> ["treatments", {modality: service}, "sessions"]
  const out = [];
  for (const part of path.split(".")) {
    const m = part.match(/^(\w+)\[(.+)\]$/);
    if (m) out.push(m[1], { modality: m[2] === "$service" ? service : m[2] });
    else out.push(/^\d+$/.test(part) ? Number(part) : part);
  }
  return out;
}

function setPath(target, parts, value) {
  let node = target;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i], next = parts[i + 1];
    if (typeof part === "object") continue;
    if (typeof next === "object") {
      node[part] = node[part] || [];
      let entry = node[part].find((t) => t.modality === next.modality);
      if (!entry) { entry = { modality: next.modality }; node[part].push(entry); }
      node = entry;
      continue;
    }
    if (node[part] === undefined) node[part] = typeof next === "number" ? [] : {};
    node = node[part];
  }
  const last = parts[parts.length - 1];
  if (last !== "recorded") node[last] = value;  // "recorded" only makes the entry exist
}

function readControl(field) {
  const node = document.getElementById(domId(field.id));
  if (field.kind === "list") {
    const chosen = Array.from(node.querySelectorAll("input[type=checkbox]:checked")).map((c) => c.value);
    if (!field.nullable) return chosen;
    if (chosen.length === 0) return null;  // not stated
    return chosen.filter((v) => v !== "__none__");
  }
  const raw = node.value.trim();
  if (field.kind === "presence") return raw === "yes" ? true : null;
  if (raw === "") return null;
  if (field.kind === "integer") return /^-?\d+$/.test(raw) ? Number(raw) : raw;  // the server names a bad value
  if (field.kind === "number") return Number.isFinite(Number(raw)) ? Number(raw) : raw;
  if (field.kind === "boolean") return raw === "true";
  if (field.kind === "lines") return raw.split(/\n+/).map((x) => x.trim()).filter(Boolean);
  return raw;
}

function deletePath(data, parts) {
  let node = data;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i], next = parts[i + 1];
    if (typeof part === "object" || node === undefined || node === null) continue;
    if (typeof next === "object") {
      const list = node[part] || [];
      const at = list.findIndex((t) => t.modality === next.modality);
      if (at < 0) return;
      if (parts[i + 2] === "recorded") { list.splice(at, 1); return; }
      node = list[at];
      continue;
    }
    node = node[part];
  }
  if (node !== undefined && node !== null && typeof node === "object") delete node[parts[parts.length - 1]];
}

function caseFromForm() {
  const service = currentService();
  // The facts a letter stated that the form has no field for (medications, injured regions, ...)
  // stay; every field shown replaces what the letter said at its path.
  const data = Object.assign(JSON.parse(JSON.stringify(state.base || {})), { case_id: "request-form", requests: [{}] });
  for (const f of state.form.fields) {
    const node = document.querySelector(`#fields [data-path="${CSS.escape(f.id)}"]`);
    if (node && node.hidden) continue;
    const parts = splitPath(f.id, service);
    const value = readControl(f);
    // "yes" keeps what the letter says about that treatment; every other field replaces its value.
    if (!f.id.startsWith("requests.") && !(f.kind === "presence" && value === true)) deletePath(data, parts);
    if (value === null || (Array.isArray(value) && value.length === 0 && !f.nullable)) continue;
    setPath(data, parts, value);
  }
  const req = data.requests[0];
  if (!req.text) req.text = words(service) + (req.quantity ? " x " + req.quantity : "");
  const first = (data.diagnoses || [])[0];
  if (first && !first.text) {
    if (first.icd10) first.text = first.icd10;
    else data.diagnoses.splice(0, 1);
  }
  for (const key of ["surgery"]) {  // an entry the form emptied
    data[key] = (data[key] || []).filter((x) => Object.keys(x).length);
  }
  return data;
}

function getPath(data, parts) {
  let node = data;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (node === null || node === undefined) return undefined;
    if (typeof part === "object") continue;
    if (typeof parts[i + 1] === "object") {
      node = (node[part] || []).find((t) => t.modality === parts[i + 1].modality);
      if (parts[i + 2] === "recorded") return node ? "yes" : "none";
      continue;
    }
    node = node[part];
  }
  return node;
}

function writeControl(field, value) {
  const node = document.getElementById(domId(field.id));
  if (field.kind === "list") {
    const chosen = new Set(value || []);
    if (field.nullable && Array.isArray(value) && value.length === 0) chosen.add("__none__");
    for (const c of node.querySelectorAll("input[type=checkbox]")) c.checked = chosen.has(c.value);
    return;
  }
  if (value === null || value === undefined || value === "unknown") value = field.kind === "presence" ? "none" : "";
  if (Array.isArray(value)) value = value.join("\n");
  node.value = typeof value === "boolean" ? String(value) : String(value);
}

function fillForm(data) {
  const service = (data.requests[0] || {}).service || "";
  writeControl(state.byId["requests.0.service"], service);
  for (const f of state.form.fields) {
    if (f.id === "requests.0.service") continue;
    writeControl(f, getPath(data, splitPath(f.id, service)));
  }
  relevance();
}

// -- talking to the server ------------------------------------------------------------------------

function changed(event) {
  state.lastChange = performance.now();
  const t = event && event.target;
  if (t && t.getAttribute && t.getAttribute("data-path") === "requests.0.service") relevance();
  if (t && t.name && /^treatments\[\$service\]\.(?!recorded)/.test(t.name) && t.value !== "") {
    document.getElementById(domId("treatments[$service].recorded")).value = "yes";  // a count means it was given
  }
  clearTimeout(state.timer);
  state.timer = setTimeout(check, DEBOUNCE_MS);
}

async function post(url, body, type) {
  if (state.controller) state.controller.abort();
  state.controller = new AbortController();
  const seq = ++state.seq;
  const response = await fetch(url, { method: "POST", body, headers: { "content-type": type },
                                      signal: state.controller.signal, credentials: "same-origin" });
  const payload = await response.json();
  return { seq, ok: response.ok, payload };
}

async function check() {
  if (!currentService()) { show(null, null); return; }
  const data = caseFromForm();
  try {
    const r = await post(API + "/check", JSON.stringify(data), "application/json");
    if (r.seq !== state.seq) return;  // a later change is on its way
    state.lastCase = data;
    show(r.ok ? r.payload : null, r.ok ? null : r.payload.error);
  } catch (e) {
    if (e.name !== "AbortError") show(null, "The server did not answer (" + e.message + ").");
  }
}

async function readLetter(file) {
  const status = document.getElementById("letter-status");
  status.textContent = "Reading " + file.name + "…";
  try {
    const r = await post(API + "/letter", file, file.type || "application/octet-stream");
    if (!r.ok) { status.textContent = r.payload.error; return; }
    const base = JSON.parse(JSON.stringify(r.payload.case));
    for (const key of ["requests", "evidence", "rationale_facts", "case_id", "letter"]) delete base[key];
    state.base = base;
    fillForm(r.payload.case);
    state.lastCase = caseFromForm();
    status.textContent = "Filled from the letter: " + r.payload.case.requests.length +
      " request(s); the form shows the first. Check every field against the record.";
    state.lastChange = performance.now();
    check();
  } catch (e) {
    if (e.name !== "AbortError") status.textContent = "The letter could not be sent to this server (" + e.message + ").";
  }
}

// -- showing the result ---------------------------------------------------------------------------

const OUTCOME = {
  Overturned: "Overturned: the request is predicted medically necessary",
  Upheld: "Upheld: the request is predicted not medically necessary",
};
const PRECHECK = {
  certifiable: "Certifiable as documented",
  not_certifiable: "Not certifiable as written",
  needs_documentation: "Needs documentation",
};

function requestResult(d) {
  const box = el("div", { class: "request", "data-service": d.service });
  const outcome = d.outcome || "none";
  box.append(el("h3", { text: d.request }),
             el("p", { class: "outcome " + outcome, "data-outcome": outcome,
                       text: d.outcome ? OUTCOME[d.outcome] : "No prediction: " + (d.no_prediction || "") }));
  if (d.precheck) {
    box.append(el("p", {}, "Pre-check: ", el("span", { class: "status " + d.precheck.status, "data-precheck": d.precheck.status,
                                                       text: PRECHECK[d.precheck.status] })),
               el("p", { text: d.precheck.reason }));
    if (d.precheck.missing.length) {
      const list = el("ul", { class: "missing", "aria-label": "What to document" });
      for (const m of d.precheck.missing) {
        const cites = [...new Set(m.needed_by.map((n) => n.citation))].join("; ");
        list.append(el("li", { "data-fact": m.fact }, "Document " + m.words + (m.details.length ? " (" + m.details.join(", ") + ")" : ""),
                       el("span", { class: "cite", text: " — " + cites })));
      }
      box.append(el("h4", { text: "What to document" }), list);
    }
  }
  if (d.advice) {
    box.append(el("h4", { text: "What would make it pass" }));
    if (d.advice.possible) {
      const list = el("ol", { class: "advice", "aria-label": "Changes that would make the request pass" });
      for (const c of d.advice.changes) {
        list.append(el("li", { "data-field": c.field, "data-to": JSON.stringify(c.to), text: c.words }));
      }
      box.append(list);
      if (d.advice.establishes_words.length) box.append(el("p", { text: "That documents " + d.advice.establishes_words.join("; ") + "." }));
      box.append(el("p", { class: "cite", text: d.advice.verified ? "Verified: with these changes the rules predict Overturned." : "" }));
      const button = el("button", { type: "button", class: "apply", text: "Apply these changes to the form" });
      button.addEventListener("click", () => applyAdvice(d.advice.changes));
      box.append(button);
    } else {
      box.append(el("p", { class: "no-advice", text: d.advice.words }));
    }
  }
  if (d.citations.length) {
    const list = el("ul", { class: "citations" });
    for (const c of d.citations) list.append(el("li", { text: c }));
    box.append(el("h4", { text: "Citations" }), list);
  }
  box.append(el("details", {}, el("summary", { text: "Rationale, as an IMR reviewer would write it" }),
                el("p", { class: "rationale", text: d.rationale })));
  return box;
}

// "request body:1: requests[0].quantity: expected ..." -> the field's label, and the field marked.
function explainError(error) {
  for (const node of document.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
  const m = error.match(/^request body(?::\d+)?: ([\w.\[\]]+): (.*)$/);
  if (!m) return error;
  const path = m[1].replace(/\[(\d+)\]/g, ".$1");
  const field = state.byId[path];
  if (!field) return error;
  const node = document.getElementById(domId(path));
  if (node) node.setAttribute("aria-invalid", "true");
  return field.label + ": " + m[2];
}

function show(decision, error) {
  const result = document.getElementById("result");
  const body = [el("h2", { id: "result-heading", text: "Result" })];
  let stateName = "empty";
  if (error) {
    body.push(el("p", { class: "error", role: "alert", "data-message": error, text: explainError(error) }));
    stateName = "error";
  } else if (decision) {
    explainError("");
    for (const d of decision.decisions) body.push(requestResult(d));
    stateName = (decision.decisions[0] || {}).outcome || "none";
  } else {
    body.push(el("p", { text: "Choose the service requested to see the prediction." }));
  }
  result.replaceChildren(...body);
  announce(decision, error);
  state.generation += 1;
  result.setAttribute("data-state", stateName);
  result.setAttribute("data-generation", String(state.generation));
  if (state.lastChange) result.setAttribute("data-latency-ms", (performance.now() - state.lastChange).toFixed(1));
}

// A screen reader hears one short sentence per update, not the whole result again.
function announce(decision, error) {
  let text = "";
  if (error) text = "Error: " + explainError(error);
  else if (decision && decision.decisions.length) {
    const d = decision.decisions[0];
    text = (d.outcome ? "Predicted " + d.outcome : "No prediction") +
      (d.precheck ? ". Pre-check: " + PRECHECK[d.precheck.status] : "") +
      (d.precheck && d.precheck.missing.length ? ", " + d.precheck.missing.length + " fact(s) to document" : "") +
      (d.advice && d.advice.possible ? ". " + d.advice.changes.length + " change(s) would make it pass" : "") + ".";
    if (decision.decisions.length > 1) text += " " + decision.decisions.length + " requests: see the result.";
  }
  document.getElementById("announce").textContent = text;
}

// A change names a field of the case it was computed for: request.* is the request, treatments[i]
// the i-th treatment of that case (found here by its modality).
function formPath(field) {
  let path = field.replace(/^request\./, "requests.0.");
  const m = path.match(/^treatments\[(\d+)\]\.(.+)$/);
  if (m && state.lastCase && state.lastCase.treatments) {
    const modality = state.lastCase.treatments[Number(m[1])].modality;
    path = `treatments[${modality === currentService() ? "$service" : modality}].${m[2]}`;
  }
  return path.replace(/\[(\d+)\]/g, ".$1");
}

function applyAdvice(changes) {
  const missing = [];
  for (const c of changes) {
    const field = state.byId[formPath(c.field)];
    if (!field) { missing.push(c.words); continue; }
    writeControl(field, c.to);
  }
  document.getElementById("letter-status").textContent = missing.length
    ? "Not in this form, change it in the record: " + missing.join("; ") : "";
  state.lastChange = performance.now();
  check();
}

// -- start ----------------------------------------------------------------------------------------

async function start() {
  const response = await fetch(API + "/form", { credentials: "same-origin" });
  build(await response.json());
  const form = document.getElementById("rfa");
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", (e) => { e.preventDefault(); check(); });
  const drop = document.getElementById("letter-drop");
  const file = document.getElementById("letter-file");
  file.addEventListener("change", (e) => { e.stopPropagation(); if (file.files[0]) readLetter(file.files[0]); });
  file.addEventListener("input", (e) => e.stopPropagation());
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    if (e.dataTransfer.files[0]) readLetter(e.dataTransfer.files[0]);
  });
  document.body.setAttribute("data-ready", "true");
}

start().catch((e) => show(null, "The form could not load its fields from this server (" + e.message + ")."));
