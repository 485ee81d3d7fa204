/* The sandbox page: picks a fixture patient, builds draft orders, fires a hook at the service through its
 * public CDS Hooks endpoints (as an EHR would), renders the cards, applies suggestions to the draft list and
 * sends feedback. Every piece of text from the service or a record goes into the page via textContent. */
(function () {
  "use strict";

  var state = {
    services: {}, fixtures: [], orders: {}, regimens: {},
    patient: null, requestTemplate: null, drafts: [], serviceId: null, cards: []
  };

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attrs[key]; }
      else if (key === "className") { node.className = attrs[key]; }
      else if (key.indexOf("data-") === 0 || key === "type" || key === "name" || key === "value" || key === "title"
               || key === "for" || key === "id" || key === "step" || key === "min" || key === "aria-label" || key === "role") {
        node.setAttribute(key, attrs[key]);
      }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }

  function safeLink(url, label) {
    var ok = typeof url === "string" && /^https?:\/\//i.test(url);
    if (!ok) { return el("span", { text: label || "" }); }
    var a = el("a", { text: label || url });
    a.href = url; a.target = "_blank"; a.rel = "noopener noreferrer";
    return a;
  }

  function newUuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40; bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function clone(value) { return JSON.parse(JSON.stringify(value)); }

  var UNIT_WORDS = { ug: "micrograms" };
  function unitText(unit) { return UNIT_WORDS[unit] || unit || ""; }

  /* ---- HTTP ---------------------------------------------------------------------------------------- */

  function getJson(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(readJson);
  }

  function sendJson(url, body, headers) {
    var all = { "Content-Type": "application/json", Accept: "application/json" };
    Object.keys(headers || {}).forEach(function (k) { all[k] = headers[k]; });
    return fetch(url, { method: "POST", headers: all, body: JSON.stringify(body) }).then(readJson);
  }

  function readJson(response) {
    return response.text().then(function (text) {
      var body = null;
      try { body = text ? JSON.parse(text) : null; } catch (e) { body = { message: text.slice(0, 300) }; }
      return { status: response.status, ok: response.ok, body: body };
    });
  }

  /* The Authorization header an EHR would send to `url`: a JWT from the local development issuer when the
   * service has one (auth on), else none. */
  function authHeaders(url) {
    return sendJson("/sandbox/api/token", { aud: url }).then(function (answer) {
      var token = answer.ok && answer.body && answer.body.token;
      $("auth-status").textContent = token ? "auth: JWT from " + answer.body.issuer
        : "auth: no token (" + ((answer.body && (answer.body.reason || answer.body.message)) || answer.status) + ")";
      return token ? { Authorization: "Bearer " + token } : {};
    }, function () { return {}; });
  }

  function callService(path, body) {
    var url = window.location.origin + path;
    return authHeaders(url).then(function (headers) {
      return body === undefined
        ? fetch(url, { headers: Object.assign({ Accept: "application/json" }, headers) }).then(readJson)
        : sendJson(url, body, headers);
    });
  }

  /* ---- loading ------------------------------------------------------------------------------------- */

  function init() {
    Promise.all([callService("/cds-services"), getJson("/sandbox/api/fixtures"), getJson("/sandbox/api/orders")])
      .then(function (answers) {
        if (!answers[0].ok) { throw new Error("GET /cds-services answered " + answers[0].status); }
        fillServices(answers[0].body.services || []);
        fillFixtures(answers[1].body.fixtures || []);
        fillOrders(answers[2].body);
        if (!answers[1].ok) {  // e.g. PNET_CDS_FIXTURES_DIR=none: say so rather than show an empty list
          showFireStatus("No synthetic patients: " + ((answers[1].body || {}).message || answers[1].status), true);
        }
        var wanted = new URLSearchParams(window.location.search).get("patient");
        if (wanted && state.fixtures.some(function (f) { return f.name === wanted; })) {
          $("patient-select").value = wanted;
          return loadPatient();
        }
      })
      .catch(function (error) { showFireStatus("Could not load the page data: " + error.message, true); });
    $("patient-select").addEventListener("change", loadPatient);
    $("service-select").addEventListener("change", changeService);
    $("order-select").addEventListener("change", showOrderDose);
    $("add-order").addEventListener("click", addSelectedOrder);
    $("add-regimen").addEventListener("click", addSelectedRegimen);
    $("clear-drafts").addEventListener("click", function () { state.drafts = []; renderDrafts(); });
    $("fire").addEventListener("click", fire);
  }

  function fillServices(services) {
    var select = $("service-select");
    select.textContent = "";
    services.forEach(function (service) {
      state.services[service.id] = service;
      select.appendChild(el("option", { value: service.id, text: service.hook + " — " + service.id }));
    });
    if (state.services["pnet-order-sign"]) { select.value = "pnet-order-sign"; }
    state.serviceId = select.value;
    showOrderEntry();
  }

  function fillFixtures(fixtures) {
    state.fixtures = fixtures;
    var select = $("patient-select");
    select.textContent = "";
    select.appendChild(el("option", { value: "", text: "Choose a patient…" }));
    fixtures.forEach(function (f) {
      var problems = f.problems.length ? f.problems.join("; ") : "no conditions";
      select.appendChild(el("option", { value: f.name, title: f.name, text: f.patient + " — " + problems + " [" + f.name + "]" }));
    });
  }

  function fillOrders(catalog) {
    var select = $("order-select");
    select.textContent = "";
    var groups = {};
    catalog.orders.forEach(function (order) {
      state.orders[order.key] = order;
      if (!groups[order.group]) { groups[order.group] = el("optgroup"); groups[order.group].label = order.group; select.appendChild(groups[order.group]); }
      groups[order.group].appendChild(el("option", { value: order.key, text: order.label }));
    });
    var regimens = $("regimen-select");
    regimens.textContent = "";
    catalog.regimens.forEach(function (regimen) {
      state.regimens[regimen.key] = regimen;
      regimens.appendChild(el("option", { value: regimen.key, text: regimen.label }));
    });
    showOrderDose();
  }

  function loadPatient() {
    var name = $("patient-select").value;
    clearCards();
    if (!name) { state.patient = null; renderChart(); return Promise.resolve(); }
    return fetchPatient(name).then(function (body) {
      if (!body) { return; }
      state.patient = body;
      state.drafts = (body.drafts || []).map(function (resource) {
        return { resource: resource, selected: resource.resourceType !== "Medication", origin: "record" };
      });
      renderChart();
      renderDrafts();
    });
  }

  function fetchPatient(name) {
    var url = "/sandbox/api/fixtures/" + encodeURIComponent(name) + "?service=" + encodeURIComponent(state.serviceId);
    return getJson(url).then(function (answer) {
      if (!answer.ok) { throw new Error(answer.body.message); }
      state.requestTemplate = answer.body.request;
      return answer.body;
    }).catch(function (error) { showFireStatus("Could not load the patient: " + error.message, true); });
  }

  function changeService() {
    state.serviceId = $("service-select").value;
    showOrderEntry();
    clearCards();
    if (state.patient) { fetchPatient(state.patient.summary.name); }
  }

  function showOrderEntry() {
    var hook = (state.services[state.serviceId] || {}).hook;
    $("order-entry").hidden = hook === "patient-view";
    $("selection-note").hidden = hook !== "order-select";
    renderDrafts();
  }

  /* ---- chart --------------------------------------------------------------------------------------- */

  function renderChart() {
    var chart = $("chart");
    chart.textContent = "";
    $("patient-problems").textContent = "";
    if (!state.patient) { return; }
    var c = state.patient.chart;
    $("patient-problems").textContent = c.patient.name + " · " + (c.patient.gender || "") + " · born " + (c.patient.birthDate || "?")
      + " · id " + c.patient.id;
    chart.appendChild(chartSection("Problems", c.problems, function (r) { return [r.text, [r.clinicalStatus, r.verificationStatus].filter(Boolean).join(", ")]; }));
    chart.appendChild(chartSection("Medications", c.medications, function (r) { return [r.text + (r.dosage ? " — " + r.dosage : ""), r.kind.replace("Medication", "") + " " + r.status]; }));
    chart.appendChild(chartSection("Recent labs", c.labs, function (r) { return [r.text, r.value + (r.flags ? " (" + r.flags + ")" : "")]; }));
    chart.appendChild(chartSection("Procedures, reports, orders", c.other, function (r) { return [r.text, r.kind + " " + r.status]; }));
  }

  function chartSection(title, rows, columns) {
    var section = el("div", { className: "chart-section" }, [el("h3", { text: title + " (" + rows.length + ")" })]);
    if (!rows.length) { section.appendChild(el("p", { className: "muted", text: "none on record" })); return section; }
    var table = el("table");
    rows.forEach(function (row) {
      var cells = columns(row).map(function (text) { return el("td", { text: text }); });
      cells.push(el("td", { className: "date", text: (row.date || "").slice(0, 10) }));
      table.appendChild(el("tr", {}, cells));
    });
    section.appendChild(table);
    return section;
  }

  /* ---- draft orders -------------------------------------------------------------------------------- */

  function showOrderDose() {
    var order = state.orders[$("order-select").value];
    var dose = order && order.dose;
    $("order-dose").hidden = !dose;
    $("order-dose").value = dose ? dose.value : "";
    $("order-unit").textContent = dose ? unitText(dose.unit) : "dose set by prescriber";
  }

  function newDraft(key, dose) {
    var body = { patientId: state.patient.chart.patient.id };
    if (dose !== undefined && dose !== null && dose !== "") { body.dose = Number(dose); }
    return sendJson("/sandbox/api/orders/" + encodeURIComponent(key), body).then(function (answer) {
      if (!answer.ok) { throw new Error(answer.body.message); }
      return answer.body;
    });
  }

  function addSelectedOrder() {
    if (!requirePatient()) { return; }
    var key = $("order-select").value;
    var dose = state.orders[key].dose ? $("order-dose").value : null;
    newDraft(key, dose).then(function (resource) {
      state.drafts.push({ resource: resource, selected: true, origin: "catalog", key: key });
      renderDrafts();
    }).catch(function (error) { showFireStatus("Could not add the order: " + error.message, true); });
  }

  function addSelectedRegimen() {
    if (!requirePatient()) { return; }
    var regimen = state.regimens[$("regimen-select").value];
    Promise.all(regimen.orders.map(function (key) { return newDraft(key, null).then(function (r) { return { key: key, resource: r }; }); }))
      .then(function (made) {
        made.forEach(function (m) { state.drafts.push({ resource: m.resource, selected: true, origin: "catalog", key: m.key }); });
        renderDrafts();
      }).catch(function (error) { showFireStatus("Could not add the regimen: " + error.message, true); });
  }

  function requirePatient() {
    if (state.patient) { return true; }
    showFireStatus("Choose a patient first.", true);
    return false;
  }

  function draftRef(resource) { return resource.resourceType + "/" + resource.id; }

  function draftText(resource) {
    var concept = resource.medicationCodeableConcept || resource.code || {};
    var text = concept.text || ((concept.coding || [])[0] || {}).display;
    if (!text && resource.medicationReference) { text = "medication " + resource.medicationReference.reference; }
    var dosage = (resource.dosageInstruction || [])[0];
    return (text || resource.resourceType) + (dosage && dosage.text ? " — " + dosage.text : "");
  }

  function doseQuantity(resource) {
    var dosage = (resource.dosageInstruction || [])[0] || {};
    return ((dosage.doseAndRate || [])[0] || {}).doseQuantity;
  }

  function renderDrafts() {
    var list = $("drafts");
    list.textContent = "";
    var selecting = (state.services[state.serviceId] || {}).hook === "order-select";
    if (!state.drafts.length) { list.appendChild(el("li", { className: "muted", text: "No draft orders." })); }
    state.drafts.forEach(function (item, index) {
      var li = el("li", { "data-ref": draftRef(item.resource), className: item.changed ? "changed" : "" });
      if (selecting && item.resource.resourceType !== "Medication") {
        var box = el("input", { type: "checkbox", "aria-label": "selected" });
        box.checked = item.selected;
        box.addEventListener("change", function () { item.selected = box.checked; });
        li.appendChild(box);
      }
      li.appendChild(el("span", { className: "draft-text", text: draftText(item.resource) }));
      var quantity = doseQuantity(item.resource);
      if (quantity) { li.appendChild(doseEditor(item, quantity)); }
      if (item.changed) { li.appendChild(el("span", { className: "tag", text: item.changed })); }
      var remove = el("button", { type: "button", text: "remove", "aria-label": "remove draft" });
      remove.addEventListener("click", function () { state.drafts.splice(index, 1); renderDrafts(); });
      li.appendChild(remove);
      list.appendChild(li);
    });
  }

  function doseEditor(item, quantity) {
    var wrap = el("span", {});
    var input = el("input", { type: "number", step: "any", min: "0", className: "draft-dose", "aria-label": "dose" });
    input.className = "draft-dose";
    input.value = quantity.value;
    input.addEventListener("change", function () { changeDose(item, input.value); });
    wrap.appendChild(input);
    wrap.appendChild(el("span", { className: "muted", text: " " + unitText(quantity.unit || quantity.code) }));
    return wrap;
  }

  /* A changed dose: catalog drafts are rebuilt by the catalog (dose text kept true), others get the new
   * structured dose and lose a free-text dosage that would now contradict it. */
  function changeDose(item, value) {
    if (value === "" || !(Number(value) > 0)) { showFireStatus("Enter a dose above 0.", true); return; }
    if (item.key) {
      newDraft(item.key, value).then(function (resource) {
        resource.id = item.resource.id;
        item.resource = resource;
        renderDrafts();
      }).catch(function (error) { showFireStatus("Dose not accepted: " + error.message, true); renderDrafts(); });
      return;
    }
    var dosage = item.resource.dosageInstruction[0];
    dosage.doseAndRate[0].doseQuantity.value = Number(value);
    delete dosage.text;
    renderDrafts();
  }

  /* ---- firing -------------------------------------------------------------------------------------- */

  function buildRequest() {
    var request = clone(state.requestTemplate);
    var hook = state.services[state.serviceId].hook;
    request.hookInstance = newUuid();
    if (hook === "order-select" || hook === "order-sign") {
      // No Bundle.type, as the published CDS Hooks Sandbox sends it (tests/data/sandbox-wire).
      request.context.draftOrders = { resourceType: "Bundle",
        entry: state.drafts.map(function (item) { return { resource: item.resource }; }) };
    }
    if (hook === "order-select") {
      request.context.selections = state.drafts.filter(function (item) {
        return item.selected && item.resource.resourceType !== "Medication";
      }).map(function (item) { return draftRef(item.resource); });
    }
    return request;
  }

  /* The request template for the chosen service (refetched when the service changed since it was loaded). */
  function ensureTemplate() {
    var hook = state.services[state.serviceId].hook;
    if (state.requestTemplate && state.requestTemplate.hook === hook) { return Promise.resolve(true); }
    return fetchPatient(state.patient.summary.name).then(function (body) { return !!body; });
  }

  function fire() {
    if (!requirePatient()) { return; }
    ensureTemplate().then(function (ready) { if (ready) { fireNow(); } });
  }

  function fireNow() {
    var request = buildRequest();
    var serviceId = state.serviceId;
    $("raw-request-json").textContent = JSON.stringify(request, null, 2);
    $("raw-response-json").textContent = "";
    showFireStatus("Calling " + serviceId + "…", false);
    var started = performance.now();
    callService("/cds-services/" + encodeURIComponent(serviceId), request).then(function (answer) {
      var ms = Math.round(performance.now() - started);
      $("raw-response-json").textContent = JSON.stringify(answer.body, null, 2);
      if (!answer.ok) {
        clearCards();
        showFireStatus("The service answered " + answer.status + ": " + describeError(answer.body), true);
        return;
      }
      var cards = answer.body.cards || [];
      showFireStatus(answer.status + " in " + ms + " ms: " + cards.length + " card" + (cards.length === 1 ? "" : "s"), false);
      renderCards(cards, serviceId);
      renderEvaluation(answer.body);
    }).catch(function (error) { showFireStatus("The call failed: " + error.message, true); });
  }

  function describeError(body) {
    if (!body) { return "no body"; }
    var problems = (body.problems || []).map(function (p) { return p.pointer + ": " + p.message; });
    return (body.message || body.error || "") + (problems.length ? " (" + problems.join("; ") + ")" : "");
  }

  function showFireStatus(text, isError) {
    var status = $("fire-status");
    status.textContent = text;
    status.className = isError ? "error" : "muted";
  }

  function clearCards() {
    $("cards").textContent = "";
    $("evaluation").textContent = "";
  }

  function renderEvaluation(body) {
    var extension = (body.extension || {})["org.pnet-cds.evaluation"];
    var parts = [];
    if (extension) { parts.push("Evaluation: " + JSON.stringify(extension)); }
    if ((body.systemActions || []).length) { parts.push("System actions (not applied here): " + JSON.stringify(body.systemActions)); }
    $("evaluation").textContent = parts.join("  ");
  }

  /* ---- cards --------------------------------------------------------------------------------------- */

  function renderCards(cards, serviceId) {
    var box = $("cards");
    box.textContent = "";
    if (!cards.length) { box.appendChild(el("p", { className: "muted", text: "No cards: the service has no guidance for this patient and hook." })); }
    cards.forEach(function (card) { box.appendChild(renderCard(card, serviceId)); });
  }

  function renderCard(card, serviceId) {
    var indicator = ["info", "warning", "critical"].indexOf(card.indicator) >= 0 ? card.indicator : "info";
    var topic = ((card.source || {}).topic || {}).code || "";
    var node = el("article", { className: "card indicator-" + indicator, "data-rule": topic, "data-uuid": card.uuid || "" });
    node.appendChild(el("div", { className: "card-head" }, [
      el("span", { className: "badge", text: indicator }), el("span", { className: "card-summary", text: card.summary || "" })]));
    var detail = el("div", { className: "card-detail" });
    detail.appendChild(window.PnetMarkdown.render(card.detail || ""));
    node.appendChild(detail);
    node.appendChild(renderSource(card.source || {}));
    if ((card.links || []).length) {
      var links = el("div", { className: "card-links" }, [el("span", { text: "Links: " })]);
      card.links.forEach(function (link, i) {
        if (i) { links.appendChild(document.createTextNode(" · ")); }
        links.appendChild(safeLink(link.url, link.label + (link.type === "smart" ? " (SMART app)" : "")));
      });
      node.appendChild(links);
    }
    var actions = el("div", { className: "card-actions" });
    var status = el("div", { className: "feedback-status", role: "status" });
    (card.suggestions || []).forEach(function (suggestion) {
      var button = el("button", { type: "button", className: "suggestion" + (suggestion.isRecommended ? " recommended" : ""),
                                  text: suggestion.label, "data-uuid": suggestion.uuid || "" });
      button.addEventListener("click", function () { acceptSuggestion(card, suggestion, node, status, serviceId); });
      actions.appendChild(button);
    });
    var dismiss = el("button", { type: "button", className: "dismiss", text: "Dismiss…" });
    dismiss.addEventListener("click", function () { showOverrideForm(card, node, status, serviceId, dismiss); });
    actions.appendChild(dismiss);
    node.appendChild(actions);
    node.appendChild(status);
    return node;
  }

  function renderSource(source) {
    var line = el("div", { className: "card-source" }, [el("span", { text: "Source: " })]);
    line.appendChild(safeLink(source.url, source.label || ""));
    if (source.topic && source.topic.code) { line.appendChild(el("span", { text: " · rule " })); line.appendChild(el("code", { text: source.topic.code })); }
    return line;
  }

  function acceptSuggestion(card, suggestion, node, status, serviceId) {
    var changes = applyActions(suggestion.actions || []);
    renderDrafts();
    resolveCard(node, card.selectionBehavior === "any" ? null : "accepted");
    if (!card.uuid || !suggestion.uuid) { status.textContent = "Applied (" + changes + "); no uuid, so no feedback (spec)."; return; }
    sendFeedback(serviceId, { card: card.uuid, outcome: "accepted", acceptedSuggestions: [{ id: suggestion.uuid }],
                              outcomeTimestamp: new Date().toISOString() }, status, "Applied (" + changes + ")");
  }

  /* Apply create / update / delete actions to the draft list; returns a short description. */
  function applyActions(actions) {
    var done = [];
    actions.forEach(function (action) {
      if (action.type === "create" && action.resource && typeof action.resource === "object") {
        var resource = clone(action.resource);
        if (!resource.id) { resource.id = "suggested-" + newUuid().slice(0, 8); }
        state.drafts.push({ resource: resource, selected: true, origin: "suggestion", changed: "added" });
        done.push("added " + draftText(resource));
      } else if (action.type === "update" && action.resource && action.resource.id) {
        var ref = draftRef(action.resource);
        var item = findDraft(ref);
        if (item) { item.resource = clone(action.resource); item.changed = "updated"; item.key = null; }
        else { state.drafts.push({ resource: clone(action.resource), selected: true, origin: "suggestion", changed: "updated" }); }
        done.push("updated " + ref);
      } else if (action.type === "delete") {
        var refs = [].concat(action.resourceId || (typeof action.resource === "string" ? action.resource : []));
        refs.forEach(function (target) {
          var before = state.drafts.length;
          state.drafts = state.drafts.filter(function (d) { return draftRef(d.resource) !== target; });
          done.push(before !== state.drafts.length ? "removed " + target : target + " was not a draft");
        });
      }
    });
    return done.join("; ") || "nothing to apply";
  }

  function findDraft(ref) {
    return state.drafts.filter(function (d) { return draftRef(d.resource) === ref; })[0];
  }

  function resolveCard(node, outcome) {
    if (!outcome) { return; }
    node.classList.add("resolved");
    node.setAttribute("data-outcome", outcome);
    Array.prototype.forEach.call(node.querySelectorAll(".card-actions button"), function (b) { b.disabled = true; });
  }

  function showOverrideForm(card, node, status, serviceId, dismiss) {
    if (node.querySelector(".override-form")) { return; }
    var form = el("div", { className: "override-form" }, [el("div", { text: "Why is this card not followed?" })]);
    var name = "override-" + (card.uuid || newUuid());
    var reasons = (card.overrideReasons || []).slice();
    reasons.forEach(function (reason, i) {
      var radio = el("input", { type: "radio", name: name, value: String(i) });
      form.appendChild(el("label", {}, [radio, el("span", { text: reason.display || reason.code })]));
    });
    var none = el("input", { type: "radio", name: name, value: "" });
    none.checked = !reasons.length;
    form.appendChild(el("label", {}, [none, el("span", { text: "No reason given" })]));
    var comment = el("textarea", { "aria-label": "comment" });
    comment.rows = 2; comment.placeholder = "Comment (optional)";
    form.appendChild(comment);
    var send = el("button", { type: "button", className: "send-override", text: "Dismiss card" });
    send.addEventListener("click", function () {
      var picked = form.querySelector("input[type=radio]:checked");
      var reason = picked && picked.value !== "" ? reasons[Number(picked.value)] : null;
      var entry = { card: card.uuid, outcome: "overridden", outcomeTimestamp: new Date().toISOString() };
      var override = {};
      if (reason) { override.reason = { system: reason.system, code: reason.code, display: reason.display }; }
      if (comment.value.trim()) { override.userComment = comment.value.trim(); }
      if (Object.keys(override).length) { entry.overrideReason = override; }
      form.remove();
      resolveCard(node, "overridden");
      if (!card.uuid) { status.textContent = "Dismissed; the card has no uuid, so no feedback (spec)."; return; }
      sendFeedback(serviceId, entry, status, "Dismissed" + (reason ? " (" + (reason.display || reason.code) + ")" : ""));
    });
    form.appendChild(send);
    node.insertBefore(form, status);
    dismiss.disabled = true;
  }

  function sendFeedback(serviceId, entry, status, what) {
    var body = { feedback: [entry] };
    var log = $("raw-feedback-json");
    log.textContent = (log.textContent ? log.textContent + "\n" : "") + JSON.stringify(body, null, 2);
    status.textContent = what + "; sending feedback…";
    callService("/cds-services/" + encodeURIComponent(serviceId) + "/feedback", body).then(function (answer) {
      status.setAttribute("data-status", String(answer.status));
      if (answer.ok) {
        status.className = "feedback-status ok";
        status.textContent = what + "; feedback '" + entry.outcome + "' received by the service (" + answer.status + ").";
      } else if (answer.status === 404) {
        status.className = "feedback-status";
        status.textContent = what + "; this service has no feedback endpoint (404), so the outcome was not recorded.";
      } else {
        status.className = "feedback-status error";
        status.textContent = what + "; feedback refused (" + answer.status + "): " + describeError(answer.body);
      }
    }).catch(function (error) {
      status.className = "feedback-status error";
      status.textContent = what + "; feedback failed: " + error.message;
    });
  }

  /* Exposed for tests and the browser console. */
  window.PnetSandbox = { state: state, applyActions: applyActions, renderCard: renderCard };

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
