// The mock's dashboard: plain DOM code over the JSON control API under the same path.
"use strict";

const config = JSON.parse(document.getElementById("dashboard-config").textContent);
const TITLES = { journal: "Requests", outbox: "Outbox", accounts: "Accounts", settings: "Settings", faults: "Faults" };
const JOURNAL_POLL_MS = 1000;
const PANEL_POLL_MS = 2500;
const MAX_ROWS = 500;

const state = {
  token: sessionStorage.getItem("mockToken") || "",
  contract: config.contracts.length ? config.contracts[0].name : null,
  section: null,
  lastId: 0,
  entries: new Map(),
  selected: null,
  filters: {},
  settings: null,
};

// --- small helpers -------------------------------------------------------------------------------

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const $ = (selector) => document.querySelector(selector);

function contractInfo(name = state.contract) {
  return config.contracts.find((contract) => contract.name === name);
}

function notice(message, kind = "ok") {
  const box = $("#notice");
  // A poll that keeps failing the same way is told once, not announced again every second.
  if (!box.hidden && box.textContent === message && box.classList.contains(kind)) return;
  box.textContent = message;
  box.className = `notice ${kind}`;
  box.hidden = false;
  clearTimeout(notice.timer);
  if (kind === "ok") notice.timer = setTimeout(() => { box.hidden = true; }, 6000);
}

function time(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleTimeString([], { hourCycle: "h23" });
}

function pretty(body) {
  if (body === null || body === undefined || body === "") return "(empty)";
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return String(body);
  }
}

function milliseconds(value) {
  return typeof value === "number" ? String(Math.round(value * 10) / 10) : "";
}

class ApiFailure extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

// One call of the control API; the token goes along when one was entered.
async function api(method, path, { query = {}, body, contentType = "application/json" } = {}) {
  const url = new URL(config.controls + path, location.origin);
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
  }
  const headers = { Accept: "application/json" };
  if (state.token) headers["X-Mock-Token"] = state.token;
  if (body !== undefined) headers["Content-Type"] = contentType;
  let response;
  try {
    response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiFailure(0, "unreachable", "The server does not answer. Is it still running?");
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  if (!response.ok) {
    const error = (data && data.error) || {};
    const message = error.message || `${method} ${url.pathname} answered ${response.status}.`;
    throw new ApiFailure(response.status, error.code || String(response.status), message, error.field);
  }
  return data;
}

// What a section shows when its control call fails.
function failureText(error) {
  if (error.code === "controlsTokenRequired") return "The mock needs its controls token: enter it above.";
  if (error.status === 404 && error.code === "notFound") return "This server does not offer this control.";
  return error.message;
}

function reportFailure(error) {
  notice(failureText(error), "error");
}

// --- header, tabs, token -------------------------------------------------------------------------

function renderHeader() {
  document.title = `${config.title} dashboard`;
  $("h1").textContent = config.title;
  // One contract: its title; several: their names, each with its title on hover.
  const served = $("#served");
  if (config.contracts.length === 1) {
    served.textContent = `${config.contracts[0].title} at ${config.contracts[0].basePath || "/"}`;
  } else {
    served.replaceChildren("Serving ", ...config.contracts.map((contract, index) => [index ? ", " : "",
      el("abbr", { title: contract.title }, contract.name), ` at ${contract.basePath || "/"}`]).flat());
  }
  const links = $("#links");
  for (const contract of config.contracts) {
    if (contract.ui) links.append(el("a", { href: contract.ui }, `${contract.name} API (Swagger UI)`));
  }
  if (config.controlsUi) links.append(el("a", { href: config.controlsUi }, "Controls API (Swagger UI)"));
  if (config.contracts.length > 1) {
    const select = el("select", { id: "contract", onchange: (event) => { state.contract = event.target.value; refreshSection(); } },
      config.contracts.map((contract) => el("option", { value: contract.name }, contract.name)));
    links.append(el("label", { for: "contract" }, "Contract"), select);
  }
  // Only a mock has a fixture state to go back to; a page showing just a journal (a proxy's) has none.
  $("#reset").hidden = config.sections.every((name) => name === "journal");
  $("#reset").addEventListener("click", resetMock);
  const input = $("#token");
  input.value = state.token;
  $("#token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.token = input.value.trim();
    if (state.token) sessionStorage.setItem("mockToken", state.token);
    else sessionStorage.removeItem("mockToken");
    notice(state.token ? "The token is sent with every control call." : "No token is sent.");
    changed.seen = {};
    resetJournal();
    refreshSection();
  });
}

// Back to the fixture state: accounts, sessions, tokens, outbox and settings (the journal stays).
async function resetMock() {
  if (!window.confirm("Reset the mock to its fixtures? Accounts, sessions, e-mails and settings go back.")) return;
  try {
    await api("POST", "/reset");
    changed.seen = {};
    notice("The mock is back to its fixtures.");
    refreshSection();
  } catch (error) {
    reportFailure(error);
  }
}

function renderTabs() {
  const list = $("#tabs");
  for (const section of config.sections) {
    const tab = el("button", {
      id: `tab-${section}`, role: "tab", type: "button", "aria-controls": section, "aria-selected": "false", tabindex: "-1",
      onclick: () => select(section, true),
    }, TITLES[section], section === "journal" ? el("span", { class: "count", id: "journal-count" }, "0") : null);
    list.append(el("li", { role: "presentation" }, tab));
  }
  // Arrow keys move between tabs, as in any tab list.
  list.addEventListener("keydown", (event) => {
    const index = config.sections.indexOf(state.section);
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (step === undefined) return;
    event.preventDefault();
    const next = config.sections[(index + step + config.sections.length) % config.sections.length];
    select(next, true);
    $(`#tab-${next}`).focus();
  });
  for (const panel of document.querySelectorAll("[data-section]")) {
    if (!config.sections.includes(panel.dataset.section)) panel.remove();
  }
}

function select(section, remember) {
  state.section = section;
  for (const name of config.sections) {
    const tab = $(`#tab-${name}`);
    tab.setAttribute("aria-selected", String(name === section));
    tab.tabIndex = name === section ? 0 : -1;
    $(`#${name}`).hidden = name !== section;
  }
  if (remember) history.replaceState(null, "", `#${section}`);
  refreshSection();
}

function refreshSection() {
  const refresh = { journal: pollJournal, outbox: loadOutbox, accounts: loadAccounts, settings: loadSettings, faults: loadFaults }[state.section];
  if (refresh) refresh();
}

// --- journal -------------------------------------------------------------------------------------

function resetJournal() {
  state.lastId = 0;
  state.entries.clear();
  state.selected = null;
  $("#journal-table tbody").replaceChildren();
  $("#journal-empty").hidden = false;
  updateCount();
}

function updateCount() {
  const count = $("#journal-count");
  if (count) count.textContent = String(state.entries.size);
}

function verdictCell(entry) {
  const verdict = entry.verdict || {};
  if (verdict.refusedBy) return el("td", { class: "verdict bad" }, `refused (${verdict.refusedBy.rule || verdict.refusedBy.code})`);
  if (verdict.violations && verdict.violations.length) return el("td", { class: "verdict bad" }, `${verdict.violations.length} violation(s)`);
  // An error answer nothing refused: the backend's own (a proxy's journal), within the contract.
  if (verdict.ok === false) return el("td", { class: "verdict" }, "error answer");
  return el("td", { class: "verdict ok" }, "conforms");
}

function journalRow(entry, fresh) {
  const query = entry.query ? `?${entry.query}` : "";
  return el("tr", { "data-id": entry.id, class: fresh ? "fresh" : null },
    el("td", { class: "mono" }, entry.id),
    el("td", {}, time(entry.at)),
    el("td", {}, el("button", { type: "button", class: "link", onclick: () => showEntry(entry.id) },
      el("span", { class: "method" }, entry.method), el("span", { class: "mono" }, entry.path + query))),
    el("td", { class: `status s${String(entry.status)[0]}` }, entry.status),
    el("td", { class: "mono" }, entry.code || ""),
    el("td", {}, milliseconds(entry.durationMs)),
    verdictCell(entry));
}

// A restarted server numbers its journal from 1 again: polling after the last id seen would show nothing.
async function journalStartedOver() {
  pollJournal.count = (pollJournal.count || 0) + 1;
  if (!state.lastId || pollJournal.count % 10) return false;
  const newest = (await api("GET", "/requests", { query: { limit: 1 } })).requests || [];
  return newest.length > 0 && newest[0].id < state.lastId;
}

async function pollJournal() {
  if (!config.sections.includes("journal") || pollJournal.busy) return;
  pollJournal.busy = true;
  try {
    if (await journalStartedOver()) {
      resetJournal();
      notice("The journal started over: the server was restarted.");
    }
    const data = await api("GET", "/requests", { query: { ...state.filters, after: state.lastId || undefined } });
    const body = $("#journal-table tbody");
    // Rows that arrive while the page is open are highlighted; the first load's are not.
    const fresh = state.lastId > 0;
    for (const entry of data.requests || []) {
      if (state.entries.has(entry.id)) continue;
      state.entries.set(entry.id, entry);
      state.lastId = Math.max(state.lastId, entry.id);
      body.prepend(journalRow(entry, fresh));
    }
    while (body.rows.length > MAX_ROWS) {
      const last = body.rows[body.rows.length - 1];
      state.entries.delete(Number(last.dataset.id));
      last.remove();
    }
    $("#journal-empty").hidden = state.entries.size > 0;
    updateCount();
  } catch (error) {
    if (state.section === "journal") reportFailure(error);
  } finally {
    pollJournal.busy = false;
  }
}

function section(title, ...content) {
  return [el("h3", {}, title), ...content];
}

function headersList(headers) {
  const entries = Object.entries(headers || {});
  if (!entries.length) return el("p", { class: "muted" }, "(none)");
  return el("dl", {}, entries.map(([name, value]) => [el("dt", { class: "mono" }, name), el("dd", { class: "mono" }, String(value))]));
}

function verdictBlock(verdict = {}) {
  if (verdict.refusedBy) {
    const { rule, code, reason } = verdict.refusedBy;
    return el("div", { class: "refusal" }, el("strong", {}, `Refused by ${rule || "a rule"}`), code ? [" with ", el("code", {}, code)] : "",
      el("p", {}, reason || ""));
  }
  if (verdict.violations && verdict.violations.length) {
    return el("div", { class: "refusal" }, el("strong", {}, "The answer breaks the contract"),
      el("ul", {}, verdict.violations.map((violation) => el("li", {}, violation))));
  }
  if (verdict.ok === false) return el("div", { class: "passed" }, "An error answer, within the contract.");
  return el("div", { class: "passed" }, "Request and answer are within the contract.");
}

async function showEntry(id) {
  state.selected = id;
  for (const row of document.querySelectorAll("#journal-table tbody tr")) row.classList.toggle("selected", Number(row.dataset.id) === id);
  let entry = state.entries.get(id);
  try {
    entry = await api("GET", `/requests/${id}`);
  } catch (error) {
    if (!entry) return reportFailure(error);
  }
  const request = entry.request || {};
  const response = entry.response || {};
  const detail = $("#journal-detail");
  detail.replaceChildren(...[
    el("h3", {}, `#${entry.id} ${entry.method} ${entry.path}`),
    el("dl", {},
      el("dt", {}, "Status"), el("dd", {}, `${entry.status}${entry.code ? ` ${entry.code}` : ""}`),
      el("dt", {}, "Operation"), el("dd", { class: "mono" }, entry.operationId || "(no operation)"),
      el("dt", {}, "Contract"), el("dd", {}, entry.contract || ""),
      el("dt", {}, "At"), el("dd", {}, entry.at),
      el("dt", {}, "Duration"), el("dd", {}, `${milliseconds(entry.durationMs)} ms`),
      entry.query ? [el("dt", {}, "Query"), el("dd", { class: "mono" }, entry.query)] : null,
      entry.session ? [el("dt", {}, "Session"), el("dd", { class: "mono" }, entry.session)] : null),
    section("Verdict", verdictBlock(entry.verdict)),
    section("Request headers", headersList(request.headers)),
    section("Request body", el("pre", {}, pretty(request.body)), request.truncated ? el("p", { class: "muted" }, "(truncated)") : null),
    section("Response headers", headersList(response.headers)),
    section("Response body", el("pre", {}, pretty(response.body)), response.truncated ? el("p", { class: "muted" }, "(truncated)") : null),
  ].flat().filter(Boolean));
  detail.focus({ preventScroll: true });
}

function setUpJournal() {
  if (!config.sections.includes("journal")) return;
  if (config.contracts.length > 1) {
    $("#journal-contract").hidden = false;
    $("#journal-contract select").append(...config.contracts.map((contract) => el("option", { value: contract.name }, contract.name)));
  }
  $("#journal-filter").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    state.filters = Object.fromEntries([...form.entries()].filter(([, value]) => value !== ""));
    resetJournal();
    pollJournal();
  });
  $("#journal-clear").addEventListener("click", async () => {
    try {
      const data = await api("DELETE", "/requests");
      resetJournal();
      $("#journal-detail").replaceChildren(el("p", { class: "muted" }, "Choose a request to see its detail."));
      notice(`Cleared ${data.deleted} request(s).`);
    } catch (error) {
      reportFailure(error);
    }
  });
  setInterval(() => { if ($("#journal-live").checked && !document.hidden) pollJournal(); }, JOURNAL_POLL_MS);
}

// --- outbox --------------------------------------------------------------------------------------

async function openLink(message) {
  try {
    const data = await api("POST", `/outbox/${encodeURIComponent(message.id)}/open`, { query: { contract: message.contract } });
    notice(data.outcome || "The link was opened.");
  } catch (error) {
    reportFailure(error);
  }
  loadOutbox();
}

// True when `data` differs from what `key` showed last: a panel redrawn unchanged would lose the keyboard focus.
function changed(key, data) {
  const text = JSON.stringify(data);
  if (changed.seen[key] === text) return false;
  changed.seen[key] = text;
  return true;
}
changed.seen = {};

async function loadOutbox() {
  if (!config.sections.includes("outbox")) return;
  try {
    const data = await api("GET", "/outbox");
    if (!changed("outbox", data)) return;
    const messages = (data.messages || []).slice().reverse();
    $("#outbox-table tbody").replaceChildren(...messages.map((message) => el("tr", {},
      el("td", {}, time(message.sentAt)),
      el("td", {}, message.contract),
      el("td", {}, message.to),
      el("td", { class: "mono" }, message.kind),
      el("td", {}, message.subject),
      el("td", {}, el("a", {
        href: message.link, class: "mono", title: "Open this link as the recipient would",
        onclick: (event) => { event.preventDefault(); openLink(message); },
      }, message.link)))));
    $("#outbox-empty").hidden = messages.length > 0;
    $("#outbox-table").hidden = messages.length === 0;
  } catch (error) {
    reportFailure(error);
  }
}

function setUpOutbox() {
  if (!config.sections.includes("outbox")) return;
  $("#outbox-refresh").addEventListener("click", loadOutbox);
  $("#outbox-clear").addEventListener("click", async () => {
    try {
      const data = await api("DELETE", "/outbox");
      notice(`Removed ${data.deleted} e-mail(s).`);
      loadOutbox();
    } catch (error) {
      reportFailure(error);
    }
  });
}

// --- accounts ------------------------------------------------------------------------------------

function cell(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (Array.isArray(value)) return value.map(cell).join(", ");
  if (typeof value === "object") return Object.entries(value).map(([key, item]) => `${key}: ${cell(item)}`).join("; ");
  return String(value);
}

// Any list of records as a table: the columns are the keys they have.
function recordsTable(title, records) {
  if (!records.length) return [el("h3", {}, title), el("p", { class: "muted" }, "None.")];
  // The contract is the one chosen above: a column of it would repeat one name.
  const columns = [...new Set(records.flatMap((record) => Object.keys(record)))].filter((column) => column !== "contract");
  return [
    el("h3", {}, `${title} (${records.length})`),
    el("div", { class: "scroll" }, el("table", { class: "list" },
      el("thead", {}, el("tr", {}, columns.map((column) => el("th", { scope: "col" }, column)))),
      el("tbody", {}, records.map((record) => el("tr", {}, columns.map((column) => el("td", { class: "mono" }, cell(record[column])))))))),
  ];
}

async function loadAccounts() {
  if (!config.sections.includes("accounts")) return;
  const body = $("#accounts-body");
  try {
    const data = await api("GET", "/accounts", { query: { contract: state.contract } });
    const parts = [];
    for (const [key, value] of Object.entries(data || {})) {
      const title = key.charAt(0).toUpperCase() + key.slice(1);
      if (Array.isArray(value) && value.every((item) => item && typeof item === "object")) parts.push(recordsTable(title, value));
      else if (Array.isArray(value)) parts.push(el("h3", {}, title), el("p", { class: "mono" }, value.join(", ")));
      else parts.push(el("p", {}, el("strong", {}, `${title}: `), cell(value)));
    }
    body.replaceChildren(...parts.flat());
  } catch (error) {
    body.replaceChildren(el("p", { class: "muted" }, failureText(error)));
  }
}

// --- settings ------------------------------------------------------------------------------------

function fieldId(path) {
  return `setting-${path.join("-")}`;
}

function settingField(path, schema, value) {
  const id = fieldId(path);
  const name = path[path.length - 1];
  const type = schema.type || (typeof value === "boolean" ? "boolean" : typeof value === "number" ? "number" : typeof value === "string" ? "string" : "json");
  if (type === "object" && schema.properties) {
    const current = value && typeof value === "object" ? value : {};
    const keys = [...new Set([...Object.keys(schema.properties), ...Object.keys(current)])];
    return el("fieldset", { "data-path": JSON.stringify(path) }, el("legend", {}, name),
      schema.description ? el("p", { class: "muted" }, schema.description) : null,
      keys.map((key) => settingField([...path, key], schema.properties[key] || {}, current[key])));
  }
  let input;
  if (type === "boolean") {
    input = el("input", { id, type: "checkbox", "data-kind": "boolean" });
    input.checked = Boolean(value === undefined ? schema.default : value);
  } else if (Array.isArray(schema.enum)) {
    input = el("select", { id, "data-kind": "string" }, schema.enum.map((option) => el("option", { value: option }, option)));
    input.value = value === undefined ? schema.default || schema.enum[0] : value;
  } else if (type === "integer" || type === "number") {
    input = el("input", { id, type: "number", "data-kind": type, min: schema.minimum, max: schema.maximum, step: type === "integer" ? 1 : "any" });
    input.value = value === undefined || value === null ? "" : String(value);
  } else if (type === "string") {
    input = el("input", { id, type: "text", "data-kind": "string", spellcheck: "false" });
    input.value = value === undefined || value === null ? "" : value;
  } else {
    const text = value === undefined ? "" : JSON.stringify(value, null, 2);
    input = el("textarea", { id, "data-kind": "json", spellcheck: "false", rows: Math.min(12, Math.max(2, text.split("\n").length)) });
    input.value = text;
  }
  input.dataset.path = JSON.stringify(path);
  const hintId = `${id}-hint`;
  const hint = schema.description ? el("p", { class: "hint", id: hintId }, schema.description) : null;
  if (hint) input.setAttribute("aria-describedby", hintId);
  return el("div", { class: "field" }, el("label", { for: id }, name), input, hint);
}

function readField(input) {
  const kind = input.dataset.kind;
  if (kind === "boolean") return input.checked;
  if (kind === "integer" || kind === "number") return input.value === "" ? undefined : Number(input.value);
  if (kind === "json") {
    if (input.value.trim() === "") return undefined;
    try {
      return JSON.parse(input.value);
    } catch {
      throw new ApiFailure(0, "invalidJson", `${JSON.parse(input.dataset.path).join(".")}: not valid JSON.`, input.id);
    }
  }
  return input.value;
}

// The merge patch (RFC 7386) that turns `before` into `after`: changed keys only, nested objects by key.
function mergePatch(before, after) {
  const patch = {};
  for (const [key, value] of Object.entries(after)) {
    const old = before ? before[key] : undefined;
    // An empty field for a setting that was not set stays unset.
    if (value === undefined || (value === "" && old === undefined)) continue;
    if (value && typeof value === "object" && !Array.isArray(value) && old && typeof old === "object" && !Array.isArray(old)) {
      const inner = mergePatch(old, value);
      if (Object.keys(inner).length) patch[key] = inner;
    } else if (JSON.stringify(value) !== JSON.stringify(old)) {
      patch[key] = value;
    }
  }
  return patch;
}

function formValues() {
  const values = {};
  for (const input of document.querySelectorAll("#settings-fields [data-kind]")) {
    const path = JSON.parse(input.dataset.path);
    let target = values;
    for (const key of path.slice(0, -1)) target = target[key] = target[key] || {};
    target[path[path.length - 1]] = readField(input);
  }
  return values;
}

async function loadSettings() {
  if (!config.sections.includes("settings")) return;
  const fields = $("#settings-fields");
  const contract = contractInfo();
  try {
    state.settings = await api("GET", "/settings", { query: { contract: state.contract } });
  } catch (error) {
    fields.replaceChildren(el("p", { class: "muted" }, failureText(error)));
    return;
  }
  renderSettings(contract ? contract.settingsSchema || {} : {});
}

function renderSettings(schema) {
  const properties = schema.properties || {};
  const keys = [...new Set([...Object.keys(properties), ...Object.keys(state.settings || {})])];
  $("#settings-fields").replaceChildren(...keys.map((key) => settingField([key], properties[key] || {}, state.settings[key])));
}

function setUpSettings() {
  if (!config.sections.includes("settings")) return;
  $("#settings-reload").addEventListener("click", loadSettings);
  $("#settings-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    for (const field of document.querySelectorAll("#settings-fields .invalid")) field.classList.remove("invalid");
    try {
      const patch = mergePatch(state.settings, formValues());
      if (!Object.keys(patch).length) return notice("Nothing changed.");
      state.settings = await api("PATCH", "/settings", { query: { contract: state.contract }, body: patch, contentType: "application/merge-patch+json" });
      renderSettings((contractInfo() || {}).settingsSchema || {});
      notice(`Saved: ${Object.keys(patch).join(", ")}.`);
    } catch (error) {
      reportFailure(error);
      const field = error.field && document.getElementById(error.field.startsWith("setting-") ? error.field : fieldId(error.field.split(/[./]/).filter(Boolean)));
      if (field) {
        field.closest(".field").classList.add("invalid");
        field.focus();
      }
    }
  });
}

// --- faults --------------------------------------------------------------------------------------

function fillOperations() {
  const contract = contractInfo();
  const operations = contract ? contract.operations : [];
  $("#fault-operation").replaceChildren(...operations.map((operation) =>
    el("option", { value: operation.id }, `${operation.method} ${operation.path} (${operation.id})`)));
  fillErrors();
}

function fillErrors() {
  const contract = contractInfo();
  const operation = contract && contract.operations.find((item) => item.id === $("#fault-operation").value);
  $("#fault-error").replaceChildren(el("option", { value: "" }, "no error, delay only"),
    ...(operation ? operation.codes : []).map((code) => el("option", { value: code }, code)));
}

async function loadFaults() {
  if (!config.sections.includes("faults")) return;
  if (fillOperations.contract !== state.contract) {
    fillOperations.contract = state.contract;
    fillOperations();
  }
  try {
    const data = await api("GET", "/faults");
    if (!changed("faults", data)) return;
    const faults = data.faults || [];
    $("#faults-table tbody").replaceChildren(...faults.map((fault) => el("tr", {},
      el("td", { class: "mono" }, `${fault.contract ? `${fault.contract}: ` : ""}${fault.operationId}`),
      el("td", { class: "mono" }, fault.error || ""),
      el("td", {}, fault.delayMs ? `${fault.delayMs} ms` : ""),
      el("td", {}, `${fault.remaining} of ${fault.times}`),
      el("td", {}, el("button", {
        type: "button", class: "danger", "aria-label": `Remove the fault on ${fault.operationId}`,
        onclick: async () => {
          try {
            await api("DELETE", `/faults/${encodeURIComponent(fault.id)}`);
          } catch (error) {
            reportFailure(error);
          }
          loadFaults();
        },
      }, "Remove")))));
    $("#faults-empty").hidden = faults.length > 0;
    $("#faults-table").hidden = faults.length === 0;
    $("#faults-clear").hidden = faults.length === 0;
  } catch (error) {
    reportFailure(error);
  }
}

function setUpFaults() {
  if (!config.sections.includes("faults")) return;
  $("#fault-operation").addEventListener("change", fillErrors);
  $("#fault-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { contract: state.contract, operationId: $("#fault-operation").value, times: Number($("#fault-times").value || 1) };
    if ($("#fault-error").value) body.error = $("#fault-error").value;
    if ($("#fault-delay").value !== "") body.delayMs = Number($("#fault-delay").value);
    if (!body.error && body.delayMs === undefined) return notice("Choose an error or a delay.", "error");
    try {
      const fault = await api("POST", "/faults", { body });
      notice(`The next ${fault.times} call(s) of ${fault.operationId} are forced.`);
    } catch (error) {
      reportFailure(error);
    }
    loadFaults();
  });
  $("#faults-clear").addEventListener("click", async () => {
    try {
      const data = await api("DELETE", "/faults");
      notice(`Removed ${data.deleted} fault(s).`);
    } catch (error) {
      reportFailure(error);
    }
    loadFaults();
  });
}

// --- start ---------------------------------------------------------------------------------------

renderHeader();
renderTabs();
setUpJournal();
setUpOutbox();
setUpSettings();
setUpFaults();
// The panels other than the journal (which polls on its own) follow the mock while shown.
setInterval(() => {
  if (document.hidden) return;
  if (state.section === "outbox") loadOutbox();
  if (state.section === "faults") loadFaults();
}, PANEL_POLL_MS);
const wanted = location.hash.slice(1);
if (config.sections.length) select(config.sections.includes(wanted) ? wanted : config.sections[0], false);
pollJournal();
