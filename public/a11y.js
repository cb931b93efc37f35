// Kunskapsassistenten: Swedish accessible names for Chainlit's icon-only controls.
// Chainlit renders these buttons with an icon and a hover tooltip only, so a screen reader
// announces "button" and nothing else. The page is rendered by React and changes all the
// time, hence a MutationObserver that labels controls as they appear.
(function () {
  "use strict";
  var BY_SELECTOR = [
    ["#chat-submit", "Skicka frågan"],
    ["#stop-button", "Avbryt svaret"],
    ["#chat-settings-open-modal", "Sökfilter"],
    ["#chat-settings-header-button", "Sökfilter"],
    ["#new-chat-button", "Ny konversation"],
    ["#theme-toggle", "Byt färgtema"],
    ["#sidebar-trigger-button", "Visa eller dölj sidofältet"],
    ["#readme-button", "Om tjänsten"],
    ["#user-nav-button", "Användarmeny"],
    ["#command-button", "Verktyg"],
    ["button.positive-feedback-off, button.positive-feedback-on", "Bra svar"],
    ["button.negative-feedback-off, button.negative-feedback-on", "Dåligt svar"],
    ["#side-view-title button", "Stäng källan"],
    ["#chat-input", "Din fråga"],
    ["[role='dialog'] textarea", "Kommentar (valfritt)"]
  ];

  function label(root) {
    BY_SELECTOR.forEach(function (pair) {
      root.querySelectorAll(pair[0]).forEach(function (el) {
        if (el.getAttribute("aria-label") !== pair[1]) {
          el.setAttribute("aria-label", pair[1]);
        }
      });
    });
    // Copy buttons and other icon buttons without a name: fall back to their tooltip text
    // or a generic Swedish name, so no control is announced without a label.
    root.querySelectorAll("button:not([aria-label])").forEach(function (button) {
      if ((button.textContent || "").trim()) return;
      if (button.querySelector("svg.lucide-copy, svg.lucide-check")) {
        button.setAttribute("aria-label", "Kopiera svaret");
      } else if (button.querySelector("svg.lucide-x")) {
        button.setAttribute("aria-label", "Stäng");
      }
    });
  }

  function start() {
    document.documentElement.setAttribute("lang", "sv");
    label(document);
    new MutationObserver(function () {
      label(document);
    }).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
