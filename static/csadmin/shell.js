/* csadmin shell: the narrow-screen menu button and focus kept in place across htmx swaps. */
(function () {
  "use strict";

  // Narrow screens: the menu hides behind the "Menu" button (CSS shows the button there only).
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".nav-toggle");
    if (!button) return;
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    document.body.classList.toggle("nav-open", open);
  });

  var FOCUSABLE = "input:not([type=hidden]):not([disabled]), select:not([disabled]), " +
    "textarea:not([disabled]), button:not([disabled]), a[href], [tabindex]:not([tabindex='-1'])";

  function firstFocusable(element) {
    if (!element || !element.isConnected) return null;
    return element.matches(FOCUSABLE) ? element : element.querySelector(FOCUSABLE);
  }

  // A swap that removes the focused element (removing a designer row) would leave focus on
  // <body>: move it to the element that took its place (the next row's first control), else
  // to the container's declared fallback (data-focus-fallback="selector"), else the content.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.contains(document.activeElement)) return;
    var next = target.nextElementSibling;
    var holder = target.closest("[data-focus-fallback]");
    var fallback = holder && document.querySelector(holder.dataset.focusFallback);
    setTimeout(function () {
      var active = document.activeElement;
      if (active && active !== document.body && active.isConnected) return;
      var destination = firstFocusable(next) || firstFocusable(fallback) ||
        document.getElementById("main");
      if (destination) destination.focus();
    }, 0);
  });
})();

/* Copy buttons: <button data-copy="#id"> copies that element's text and says so beside it. */
(function () {
  "use strict";

  function copyByHand(text) {
    // Without the Clipboard API (a plain-HTTP address other than localhost), copy a selection.
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var copied = document.execCommand("copy");
    area.remove();
    return copied ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var source = document.querySelector(button.dataset.copy);
    if (!source) return;
    var text = source.textContent.trim();
    var status = button.nextElementSibling;
    var copying = navigator.clipboard && window.isSecureContext
      ? navigator.clipboard.writeText(text) : copyByHand(text);
    copying.then(
      function () { if (status) status.textContent = "Copied."; },
      function () { if (status) status.textContent = "Could not copy: select the text and copy it."; }
    );
  });
})();
