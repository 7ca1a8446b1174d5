/* Tuoyu web chat: plain ES2017, no modules or libraries, so it runs in WeChat's browser. */
(function () {
  "use strict";
  var root = document.getElementById("chat");
  if (!root) { return; }
  var log = document.getElementById("log");
  var form = document.getElementById("ask");
  var input = document.getElementById("text");
  var shareButton = document.getElementById("share-location");
  var photoLabel = document.getElementById("photo-label");
  var photoInput = document.getElementById("photo");
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var lang = root.getAttribute("data-lang") || "zh";
  var langSent = false;  // the page's language goes with the first message only; the chat remembers it
  var busy = false;

  function newSession() {
    var bytes = new Uint8Array(18);
    window.crypto.getRandomValues(bytes);
    var chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    var out = "";
    for (var i = 0; i < bytes.length; i++) { out += chars.charAt(bytes[i] % 64); }
    return out;
  }

  function sessionId() {
    var id = null;
    try { id = window.localStorage.getItem("tuoyu_session"); } catch (e) { id = null; }
    if (!id || !/^[A-Za-z0-9_-]{8,64}$/.test(id)) {
      id = newSession();
      try { window.localStorage.setItem("tuoyu_session", id); } catch (e) { /* private mode: per page */ }
    }
    return id;
  }

  var session = sessionId();

  // The conversation is kept on the server for this session (POST /api/chat/history, the id in the body only),
  // so a reload or the next visit shows it again; office notices come from /api/chat/notices on every visit.
  var cancelBar = document.getElementById("flow-bar");
  var flowName = document.getElementById("flow-name");
  var voiceButton = document.getElementById("voice");
  try { window.localStorage.removeItem("tuoyu_history_" + session); } catch (e) { /* kept on the device before */ }

  // Restored history goes above anything said while it loads.
  var restorePoint = document.createComment("history");
  log.appendChild(restorePoint);
  function put(item, restored) { return restored ? log.insertBefore(item, restorePoint) : log.appendChild(item); }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function scrollDown() { window.scrollTo(0, document.body.scrollHeight); }

  // Hotlines (120, 110, 12320 health, 12333 labour, 12345 city, 12356 mental health) and phone numbers in a
  // reply become tel: links. Short hotlines only where they stand alone (not
  // "120天" or part of a longer number); office lines with their area code, and mobiles.
  var PHONE = /(^|[^0-9A-Za-z.\-])(0\d{2,3}-?\d{7,8}|1[3-9]\d{9}|12320|12333|12345|12356|120|110)(?![0-9天元个次分秒%％℃度岁年月日周小时毫克升米斤])/g;

  function linked(text) {
    var out = document.createDocumentFragment();
    var source = String(text), last = 0, match;
    PHONE.lastIndex = 0;
    while ((match = PHONE.exec(source)) !== null) {
      var start = match.index + match[1].length;
      if (start > last) { out.appendChild(document.createTextNode(source.slice(last, start))); }
      var tel = el("a", "tel", match[2]);
      tel.href = "tel:" + match[2].replace(/-/g, "");
      out.appendChild(tel);
      last = start + match[2].length;
      PHONE.lastIndex = last;
    }
    if (last < source.length) { out.appendChild(document.createTextNode(source.slice(last))); }
    return out;
  }

  function para(className, text) {
    var p = el("p", className);
    p.appendChild(linked(text));
    return p;
  }

  function addUser(text, restored) {
    var item = el("li", "msg user");
    item.appendChild(el("p", "", text));
    put(item, restored);
    if (!restored) { scrollDown(); }
  }

  function distance(metres) {
    if (typeof metres !== "number") { return ""; }
    if (metres >= 1000) { return root.getAttribute("data-km").replace("{km}", (metres / 1000).toFixed(1)); }
    return root.getAttribute("data-m").replace("{m}", String(Math.round(metres)));
  }

  function facilityCard(f, number) {
    var card = el("li", "card facility");
    card.setAttribute("data-id", f.id || "");
    var head = el("div", "card-head");
    head.appendChild(el("span", "num", number));
    head.appendChild(el("strong", "", f.name));
    if (f.demo) { head.appendChild(el("span", "badge demo", root.getAttribute("data-demo"))); }
    card.appendChild(head);
    var meta = [distance(f.distance_m), f.district, f.address].filter(Boolean).join(" · ");
    if (meta) { card.appendChild(el("p", "meta", meta)); }
    if (f.lines && f.lines.length) {  // 备案, care types, ages, nature, hours, fee with its unit, free places
      var lines = el("ul", "lines");
      f.lines.forEach(function (line) { lines.appendChild(el("li", "", line)); });
      card.appendChild(lines);
    }
    var actions = el("p", "meta actions");
    if (f.phone) {
      var tel = el("a", "tel", f.phone);
      tel.href = "tel:" + String(f.phone).replace(/[^0-9+-]/g, "");
      actions.appendChild(tel);
    }
    [["amap", "data-amap"], ["baidu", "data-baidu"]].forEach(function (pair) {
      var href = f.links && f.links[pair[0]];
      if (href && /^https:\/\//.test(href)) {
        var link = el("a", "map", root.getAttribute(pair[1]));
        link.href = href;
        link.rel = "noopener noreferrer";
        actions.appendChild(link);
      }
    });
    if (f.id) {
      var details = el("a", "details", root.getAttribute("data-details"));
      details.href = "/facility/" + encodeURIComponent(f.id) + "?lang=" + lang;
      actions.appendChild(details);
    }
    if (actions.childNodes.length) { card.appendChild(actions); }
    if (f.id) {  // one "report" per card, instead of a row of them under the results
      var report = el("button", "report secondary", root.getAttribute("data-report"));
      report.type = "button";
      report.setAttribute("data-button", "c:fac:" + f.id);
      card.appendChild(report);
    }
    return card;
  }

  function headline(reply) {
    var text = String(reply.text || "");
    var cut = text.search(/\n\s*1\.\s/);
    return cut > 0 ? text.slice(0, cut) : text;
  }

  function sketch(reply) {  // drawn by our server from our own data; pins link to the cards below
    var map = el("figure", "map");
    map.innerHTML = reply.map_svg;
    map.appendChild(el("figcaption", "meta", root.getAttribute("data-map-tap")));
    return map;
  }

  // Leaflet (vendored) over tiles fetched through our own /tiles path, in the tiles' datum (the server converts
  // the points). Pins and cards point at each other; no tile loaded (errors, or nothing within 10 s): the sketch.
  function streetMap(figure, reply) {
    var L = window.L, spec = reply.street_map, anchor = reply.map_anchor || "";
    var points = spec.pins.map(function (pin) { return pin.at; });
    if (spec.centre) { points.push(spec.centre.at); }
    var map = L.map(figure.querySelector(".streetmap"));
    map.fitBounds(points, { padding: [24, 24], maxZoom: 16 });  // a view first: layers wait for one
    map.attributionControl.setPrefix("Leaflet");
    var layer = L.tileLayer(spec.tiles, { maxZoom: 18, attribution: el("span", "", spec.attribution).innerHTML });
    var loaded = false, errors = 0;
    function fallBack() {
      if (loaded || !figure.parentNode) { return; }
      map.remove();
      figure.parentNode.replaceChild(sketch(reply), figure);
    }
    layer.on("tileload", function () { loaded = true; });
    layer.on("tileerror", function () { errors += 1; if (errors >= 3) { fallBack(); } });
    window.setTimeout(fallBack, 10000);
    layer.addTo(map);
    spec.pins.forEach(function (pin) {
      var icon = L.divIcon({ className: "pin-icon", html: el("span", "", pin.n), iconSize: [26, 26] });
      var marker = L.marker(pin.at, { icon: icon, keyboard: true }).addTo(map);
      marker.getElement().setAttribute("data-id", pin.id);
      marker.on("click", function () { window.location.hash = anchor + pin.id; });
      var card = document.getElementById(anchor + pin.id);
      var number = card && card.querySelector(".num");
      if (number) {
        number.classList.add("to-pin");
        number.addEventListener("click", function () {
          map.setView(pin.at, Math.max(map.getZoom(), 15));
          figure.scrollIntoView({ block: "center" });
        });
      }
    });
    if (spec.centre) {  // the parent's position, above the pins
      var you = L.divIcon({ className: "you-icon", iconSize: [18, 18] });
      L.marker(spec.centre.at, { icon: you, interactive: false, keyboard: false, zIndexOffset: 1000 }).addTo(map);
    }
  }

  function list(items) {
    var ul = el("ul", "");
    (items || []).forEach(function (text) { var li = el("li", ""); li.appendChild(linked(text)); ul.appendChild(li); });
    return ul;
  }

  // The reply's structure (blocks from the server, each drawn as DOM nodes with text only, never HTML).
  function bubble(reply) {
    var box = el("div", "bubble");
    var blocks = Array.isArray(reply.blocks) ? reply.blocks : [{ type: "p", text: reply.text }];
    blocks.forEach(function (b) {
      if (b.type === "head") { box.appendChild(para("head", b.text)); }
      else if (b.type === "list") { box.appendChild(list(b.items)); }
      else if (b.type === "flags") {
        var flags = el("div", "flags");
        flags.setAttribute("role", "note");
        flags.appendChild(para("flags-title", b.title));
        flags.appendChild(list(b.items));
        box.appendChild(flags);
      } else if (b.type === "note") { box.appendChild(para("note", b.text)); }
      else if (b.type === "sources") {
        var line = para("sources", b.text ? b.text + " · " : "");
        if (typeof b.link === "string" && /^\/guide\/[A-Za-z0-9_.-]+(\?lang=en)?$/.test(b.link)) {
          var details = el("a", "details", b.label);
          details.href = b.link;
          line.appendChild(details);
        }
        box.appendChild(line);
      } else if (b.type === "calls") {
        var calls = el("div", "calls");
        (b.numbers || []).forEach(function (n) {
          if (!/^\d{3,5}$/.test(String(n))) { return; }
          var call = el("a", "call", root.getAttribute("data-call").replace("{n}", n));
          call.href = "tel:" + n;
          calls.appendChild(call);
        });
        box.appendChild(calls);
      } else { box.appendChild(para("", b.text)); }
    });
    return box;
  }

  function addReply(reply, restored) {
    var drawn = null;
    var item = el("li", "msg bot" + (reply.kind === "emergency" ? " emergency" : ""));
    var facilities = reply.data && reply.data.facilities;
    if (facilities && facilities.length) {
      var intro = el("div", "bubble");
      intro.appendChild(para("", headline(reply)));
      item.appendChild(intro);
    } else {
      item.appendChild(bubble(reply));
    }
    if (facilities && facilities.length) {
      if (reply.street_map && window.L) {  // a street map over the deployment's tiles, the sketch if they fail
        var street = el("figure", "map street");
        street.appendChild(el("div", "streetmap"));
        street.appendChild(el("figcaption", "meta", root.getAttribute("data-map-tap")));
        item.appendChild(street);
        drawn = function () { streetMap(street, reply); };
      } else if (reply.map_svg) {
        item.appendChild(sketch(reply));
      }
      var list = el("ol", "cards");
      var first = (reply.data.offset || 0) + 1;
      facilities.forEach(function (f, i) {
        var card = facilityCard(f, first + i);
        if (reply.map_anchor) { card.id = reply.map_anchor + f.id; }
        list.appendChild(card);
      });
      item.appendChild(list);
    }
    var buttons = (reply.buttons || []).filter(function (b) {
      return !(facilities && facilities.length && b.data.indexOf("c:fac:") === 0);  // on the cards instead
    });
    if (buttons.length) {
      var row = el("div", "buttons");
      buttons.forEach(function (b) {
        var button = el("button", "", b.label);
        button.type = "button";
        button.setAttribute("data-button", b.data);
        row.appendChild(button);
      });
      item.appendChild(row);
    }
    put(item, restored);
    if (drawn) { drawn(); }  // Leaflet measures its box: only once it is on the page
    return item;
  }

  function addNotice(text) {
    var item = el("li", "msg bot notice");
    var box = el("div", "bubble");
    box.appendChild(el("p", "", text));
    item.appendChild(box);
    log.appendChild(item);
    scrollDown();
  }

  function addOfficeNotice(notice, restored) {
    var item = el("li", "msg bot notice office");
    var box = el("div", "bubble");
    box.appendChild(el("p", "meta", notice.at));
    box.appendChild(para("", notice.text));
    item.appendChild(box);
    return put(item, restored);
  }

  async function fetchJSON(path) {
    try {
      var response = await fetch(path, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json" }, body: JSON.stringify({ session: session })
      });
      return response.ok ? await response.json() : {};
    } catch (e) { return {}; }  // offline: the next visit shows them
  }

  // The conversation so far and the office's notices, in the order they happened; the view goes to the start
  // of the last reply, where a parent left off.
  async function restore() {
    var kept = await fetchJSON("/api/chat/history");
    var notices = (await fetchJSON("/api/chat/notices")).notices || [];
    var items = [];
    (kept.exchanges || []).forEach(function (x) { items.push({ at: x.at || "", exchange: x }); });
    notices.forEach(function (n) { items.push({ at: n.sent || "", notice: n }); });
    items.sort(function (a, b) { return a.at < b.at ? -1 : a.at > b.at ? 1 : 0; });
    var anchor = null;
    items.forEach(function (entry) {
      if (entry.notice) { anchor = addOfficeNotice(entry.notice, true); return; }
      if (typeof entry.exchange.sent === "string") { addUser(entry.exchange.sent, true); }
      (entry.exchange.replies || []).forEach(function (reply, i) {
        var item = addReply(reply, true);
        if (i === 0) { anchor = item; }
      });
    });
    root.setAttribute("data-restored", String(items.length));  // for people's tools and tests: history is in
    if (busy || !anchor) { return; }  // a question sent meanwhile brings its own reply into view
    setFlow(kept.flow || null);
    anchor.scrollIntoView({ block: "start" });
  }

  function setFlow(flow) {
    cancelBar.hidden = !flow;
    if (flow) {
      flowName.textContent = root.getAttribute("data-flow-" + flow) || root.getAttribute("data-flow-any");
    }
  }

  function show(result) {
    var first = null;
    (result.replies || []).forEach(function (reply) {
      var item = addReply(reply);
      if (!first) { first = item; }
    });
    shareButton.hidden = !result.request_location;
    photoLabel.hidden = !wantsPhoto(result.replies || []);
    setFlow(result.flow || null);
    if (first) { first.scrollIntoView({ block: "start" }); }  // the reply's headline, not its end
  }

  function wantsPhoto(replies) {
    return replies.some(function (r) {
      return (r.buttons || []).some(function (b) { return b.data.indexOf("c:photos:") === 0; });
    });
  }

  // "Slow down" (429) and "briefly unavailable" (503) carry a message written for parents; other
  // failures fall back to the page's generic notice.
  async function politeError(response) {
    if (response.status !== 429 && response.status !== 503) { return ""; }
    try {
      var problem = await response.json();
      return typeof problem.error === "string" ? problem.error : "";
    } catch (e) {
      return "";
    }
  }

  async function post(payload) {
    if (busy) { return; }
    busy = true;
    root.classList.add("busy");
    try {
      payload.session = session;
      if (!langSent) { payload.lang = lang; }
      var response = await fetch("/api/chat", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json" }, body: JSON.stringify(payload)
      });
      if (!response.ok) { throw new Error(await politeError(response)); }
      langSent = true;
      show(await response.json());
    } catch (e) {
      addNotice(e.message || root.getAttribute("data-failed"));
    } finally {
      busy = false;
      root.classList.remove("busy");
    }
  }

  async function upload(file) {
    var body = new FormData();
    body.append("session", session);
    body.append("photo", file);
    root.classList.add("busy");
    try {
      var response = await fetch("/api/chat/photo", {
        method: "POST", credentials: "same-origin", body: body,
        headers: { "X-CSRF-Token": csrfMeta ? csrfMeta.getAttribute("content") : "" }
      });
      if (!response.ok) { throw new Error(await politeError(response)); }
      show(await response.json());
    } catch (e) {
      addNotice(e.message || root.getAttribute("data-upload-failed"));
    } finally {
      root.classList.remove("busy");
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    addUser(text);
    post({ text: text });
  });

  function press(event) {
    var target = event.target;
    if (!target || !target.getAttribute || !target.getAttribute("data-button")) { return; }
    var label = target.textContent;
    addUser(label);
    post({ button: target.getAttribute("data-button"), label: label.slice(0, 200) });
  }
  log.addEventListener("click", press);
  cancelBar.addEventListener("click", press);

  // Voice input where the browser offers speech recognition (feature-detected; the button stays hidden
  // otherwise): what is heard goes into the box, to be checked and sent.
  var Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;
  if (Recognition) {
    voiceButton.hidden = false;
    voiceButton.addEventListener("click", function () {
      var hearing = new Recognition();
      hearing.lang = lang === "en" ? "en-US" : "zh-CN";
      hearing.interimResults = false;
      hearing.maxAlternatives = 1;
      var placeholder = input.getAttribute("placeholder");
      input.setAttribute("placeholder", root.getAttribute("data-listening"));
      root.classList.add("listening");
      hearing.onresult = function (event) {
        var heard = event.results && event.results[0] && event.results[0][0];
        if (heard && heard.transcript) { input.value = (input.value ? input.value + " " : "") + heard.transcript; }
      };
      hearing.onerror = function () { addNotice(root.getAttribute("data-voice-failed")); };
      hearing.onend = function () {
        root.classList.remove("listening");
        input.setAttribute("placeholder", placeholder);
        input.focus();
      };
      try { hearing.start(); } catch (e) { hearing.onend(); }
    });
  }

  shareButton.addEventListener("click", function () {
    if (!navigator.geolocation) { addNotice(root.getAttribute("data-no-geo")); return; }
    addNotice(root.getAttribute("data-locating"));
    navigator.geolocation.getCurrentPosition(function (position) {
      post({ location: { lat: position.coords.latitude, lon: position.coords.longitude } });
    }, function () {
      addNotice(root.getAttribute("data-no-geo"));
      input.focus();
    }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 });
  });

  photoInput.addEventListener("change", function () {
    var file = photoInput.files && photoInput.files[0];
    if (!file) { return; }
    addUser("📷 " + file.name);
    upload(file);
    photoInput.value = "";
  });

  restore();
  var params = new URLSearchParams(window.location.search);
  var reported = params.get("report");  // a facility page's "report a problem": the complaint, pre-routed
  if (reported && /^[A-Za-z0-9_.-]{1,58}$/.test(reported)) {
    addUser(root.getAttribute("data-report"));
    post({ button: "c:fac:" + reported });
  } else if (/^g-[a-z0-9_]{1,40}(-[A-Za-z0-9_]{1,16})?$/.test(params.get("start") || "")) {
    post({ text: "/start " + params.get("start") });  // a shared guidance link: counted, then the article
  } else if (params.get("q")) { addUser(params.get("q")); post({ text: params.get("q") }); }
}());
