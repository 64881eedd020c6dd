// parley review app: the call page's player. The transcript follows playback (the current turn is
// highlighted and kept in view); a turn, an evidence link, an entity or a sentiment point seeks the
// player; #t=SECONDS in the address starts there.
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
    seek(parseFloat(el.getAttribute("data-seek")));
    history.replaceState(null, "", "#t=" + el.getAttribute("data-seek"));
  });
  function fromHash() {
    var m = /^#t=([0-9.]+)/.exec(location.hash);
    if (m) seek(parseFloat(m[1]));
  }
  window.addEventListener("hashchange", fromHash);
  fromHash();

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
