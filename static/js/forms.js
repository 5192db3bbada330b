// Inline validation: the browser's own checks (required, URL pattern) shown as text beside the
// field, in the same place the server puts its errors, instead of a transient bubble.

const MESSAGES = {
  rating: "Choose a rating from the scale.",
  url: "Enter an http:// or https:// address.",
};

function errorBox(field) {
  return document.getElementById(`id_${field.name}-error`);
}

function messageFor(field) {
  const key = field.name.split("-").pop();
  const v = field.validity;
  if (v.valueMissing && key === "rating") return MESSAGES.rating;
  if (v.valueMissing) return "This field is required.";
  if (v.typeMismatch || v.patternMismatch) return MESSAGES.url;
  return field.validationMessage;
}

function show(field, message) {
  const box = errorBox(field);
  if (box) box.textContent = message;
  field.setAttribute("aria-invalid", "true");
}

function clear(field) {
  const box = errorBox(field);
  if (box && field.validity.valid) box.textContent = "";
  if (field.validity.valid) field.removeAttribute("aria-invalid");
}

for (const form of document.querySelectorAll("form[data-validate]")) {
  let first = null;
  form.addEventListener(
    "invalid",
    (event) => {
      event.preventDefault();
      show(event.target, messageFor(event.target));
      if (!first) {
        first = event.target;
        first.focus();
        queueMicrotask(() => {
          first = null;
        });
      }
    },
    true,
  );
  const recheck = (event) => {
    if (event.target.name) clear(event.target);
  };
  form.addEventListener("input", recheck);
  form.addEventListener("change", recheck);
  form.addEventListener("focusout", (event) => {
    const field = event.target;
    if (field.value && field.validity && !field.validity.valid) show(field, messageFor(field));
  });
}
