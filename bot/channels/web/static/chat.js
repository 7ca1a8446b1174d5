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

  // The conversation is kept on this device, so a reload or the next visit shows it again; notices from the
  // office (status changes of a complaint filed here) are fetched from the server on every visit.
  var HISTORY = "tuoyu_history_" + session;
  var KEEP = 80;  // messages
  var history = [];
  try { history = JSON.parse(window.localStorage.getItem(HISTORY) || "[]"); } catch (e) { history = []; }
  if (!Array.isArray(history)) { history = []; }

  function remember(entry) {
    history.push(entry);
    if (history.length > KEEP) { history = history.slice(history.length - KEEP); }
    try { window.localStorage.setItem(HISTORY, JSON.stringify(history)); } catch (e) { /* full or private */ }
  }

  function stored(reply) {  // a reply without its map (large, and redrawn from the cards on a new search)
    var copy = {};
    Object.keys(reply).forEach(function (k) { if (k !== "map_svg") { copy[k] = reply[k]; } });
    return copy;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function scrollDown() { window.scrollTo(0, document.body.scrollHeight); }

  function addUser(text, replayed) {
    var item = el("li", "msg user");
    item.appendChild(el("p", "", text));
    log.appendChild(item);
    if (!replayed) { remember({ user: String(text) }); }
    scrollDown();
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

  function addReply(reply) {
    var drawn = null;
    var item = el("li", "msg bot" + (reply.kind === "emergency" ? " emergency" : ""));
    var facilities = reply.data && reply.data.facilities;
    item.appendChild(el("p", "", facilities && facilities.length ? headline(reply) : reply.text));
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
    log.appendChild(item);
    if (drawn) { drawn(); }  // Leaflet measures its box: only once it is on the page
  }

  function addNotice(text) {
    var item = el("li", "msg bot notice");
    item.appendChild(el("p", "", text));
    log.appendChild(item);
    scrollDown();
  }

  function addOfficeNotice(notice, replayed) {
    var item = el("li", "msg bot notice office");
    item.appendChild(el("p", "meta", notice.at));
    item.appendChild(el("p", "", notice.text));
    log.appendChild(item);
    if (!replayed) { remember({ notice: notice }); }
    scrollDown();
  }

  function replay() {
    history.forEach(function (entry) {
      if (typeof entry.user === "string") { addUser(entry.user, true); }
      else if (entry.reply && typeof entry.reply === "object") { addReply(entry.reply); }
      else if (entry.notice && typeof entry.notice === "object") { addOfficeNotice(entry.notice, true); }
    });
  }

  async function fetchNotices() {
    try {
      var response = await fetch("/api/chat/notices", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json" }, body: JSON.stringify({ session: session })
      });
      if (!response.ok) { return; }
      var seen = {};
      history.forEach(function (entry) { if (entry.notice) { seen[entry.notice.id] = true; } });
      ((await response.json()).notices || []).forEach(function (notice) {
        if (!seen[notice.id]) { addOfficeNotice(notice, false); }
      });
    } catch (e) { /* offline: the next visit shows them */ }
  }

  function show(result) {
    (result.replies || []).forEach(function (reply) { addReply(reply); remember({ reply: stored(reply) }); });
    shareButton.hidden = !result.request_location;
    photoLabel.hidden = !wantsPhoto(result.replies || []);
    scrollDown();
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

  log.addEventListener("click", function (event) {
    var target = event.target;
    if (!target || !target.getAttribute || !target.getAttribute("data-button")) { return; }
    addUser(target.textContent);
    post({ button: target.getAttribute("data-button") });
  });

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

  replay();
  fetchNotices();
  var params = new URLSearchParams(window.location.search);
  var reported = params.get("report");  // a facility page's "report a problem": the complaint, pre-routed
  if (reported && /^[A-Za-z0-9_.-]{1,58}$/.test(reported)) {
    addUser(root.getAttribute("data-report"));
    post({ button: "c:fac:" + reported });
  } else if (/^g-[a-z0-9_]{1,40}(-[A-Za-z0-9_]{1,16})?$/.test(params.get("start") || "")) {
    post({ text: "/start " + params.get("start") });  // a shared guidance link: counted, then the article
  } else if (params.get("q")) { addUser(params.get("q")); post({ text: params.get("q") }); }
}());
