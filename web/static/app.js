// parley review app: the call page's player. The transcript follows playback (the current turn is
// highlighted and kept in view); a turn, an evidence link, an entity or a sentiment point seeks the
// player and plays (evidence from 2 s before its moment); #t=SECONDS in the address starts there.
// Keys (outside form fields): space plays or pauses, j / k go to the next / previous scorecard item,
// n / p open the next / previous call of the list the call was opened from. "Find in this call" marks
// the turns that say what is typed; Enter goes to the next of them and seeks there.
(function () {
  "use strict";
  var player = document.getElementById("player");
  if (!player) return;
  var turns = Array.prototype.slice.call(document.querySelectorAll("#turns .turn"));
  var now = document.getElementById("now");
  var current = null;

  function clock(s) {
    s = Math.max(0, Math.floor(s));
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }
  function seek(t) {
    if (!isFinite(t)) return;
    player.currentTime = t;
    highlight(t);
  }
  function highlight(t) {
    var found = null;
    for (var i = 0; i < turns.length; i++) {
      var s = parseFloat(turns[i].dataset.start), e = parseFloat(turns[i].dataset.end);
      if (t >= s && t < e + 0.25) { found = turns[i]; }
    }
    if (found === current) return;
    if (current) current.classList.remove("current");
    current = found;
    if (current) {
      current.classList.add("current");
      var r = current.getBoundingClientRect();
      if (r.top < 120 || r.bottom > window.innerHeight) current.scrollIntoView({ block: "center", behavior: "smooth" });
    }
  }
  player.addEventListener("timeupdate", function () {
    now.textContent = clock(player.currentTime);
    highlight(player.currentTime);
  });
  player.addEventListener("seeked", function () { now.textContent = clock(player.currentTime); });

  turns.forEach(function (li) {
    li.addEventListener("click", function () { seek(parseFloat(li.dataset.start)); });
    li.addEventListener("keydown", function (ev) { if (ev.key === "Enter") seek(parseFloat(li.dataset.start)); });
  });
  document.addEventListener("click", function (ev) {
    var el = ev.target.closest("[data-seek]");
    if (!el) return;
    ev.preventDefault();
    var lead = parseFloat(el.getAttribute("data-lead") || "0");
    seek(Math.max(0, parseFloat(el.getAttribute("data-seek")) - lead));
    history.replaceState(null, "", "#t=" + el.getAttribute("data-seek"));
    var p = player.play();
    if (p && p.catch) p.catch(function () {}); // a browser may refuse until the page is interacted with
  });

  var items = Array.prototype.slice.call(document.querySelectorAll("#items .item"));
  var itemAt = -1;
  items.forEach(function (li) { li.tabIndex = -1; });
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var tag = (ev.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "select" || tag === "textarea" || ev.target.isContentEditable) return;
    var link;
    switch (ev.key) {
      case " ":
        if (tag === "button" || tag === "a" || tag === "summary" || tag === "audio") return;
        ev.preventDefault();
        if (player.paused) { var p = player.play(); if (p && p.catch) p.catch(function () {}); } else player.pause();
        break;
      case "j": case "k":
        if (!items.length) return;
        itemAt = ev.key === "j" ? Math.min(items.length - 1, itemAt + 1) : Math.max(0, itemAt - 1);
        items[itemAt].focus();
        items[itemAt].scrollIntoView({ block: "center" });
        break;
      case "n": case "p":
        link = document.getElementById(ev.key === "n" ? "next-call" : "prev-call");
        if (link) location.href = link.href;
        break;
    }
  });
  function fromHash() {
    var m = /^#t=([0-9.]+)/.exec(location.hash);
    if (m) seek(parseFloat(m[1]));
  }
  window.addEventListener("hashchange", fromHash);
  fromHash();

  var find = document.getElementById("find"), found = document.getElementById("found");
  var hits = [], hitAt = -1;
  if (find) {
    find.addEventListener("input", function () {
      var q = find.value.trim().toLowerCase();
      hits = [];
      hitAt = -1;
      turns.forEach(function (li) {
        var on = q !== "" && li.querySelector(".text").textContent.toLowerCase().indexOf(q) >= 0;
        li.classList.toggle("found", on);
        if (on) hits.push(li);
      });
      found.textContent = q === "" ? "" : hits.length + " turn" + (hits.length === 1 ? "" : "s");
    });
    find.addEventListener("keydown", function (ev) {
      if (ev.key !== "Enter" || !hits.length) return;
      ev.preventDefault();
      hitAt = (hitAt + 1) % hits.length;
      hits[hitAt].scrollIntoView({ block: "center" });
      seek(parseFloat(hits[hitAt].dataset.start));
      found.textContent = (hitAt + 1) + " of " + hits.length + " turns";
    });
  }

  var form = document.getElementById("clip-form");
  if (form) {
    var sel = document.getElementById("clip-collection");
    var setAction = function () { form.action = "/collections/" + encodeURIComponent(sel.value) + "/clips"; };
    sel.addEventListener("change", setAction);
    setAction();
    document.getElementById("clip-mark").addEventListener("click", function () {
      var t = player.currentTime;
      document.getElementById("clip-start").value = t.toFixed(1);
      var end = document.getElementById("clip-end");
      if (parseFloat(end.value) <= t) end.value = (t + 15).toFixed(1);
    });
  }
})();
