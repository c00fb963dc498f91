// Drag-and-drop onto the returned-forms file input; without JavaScript the plain file input works the same.
(function () {
  "use strict";
  var drop = document.getElementById("drop");
  var input = document.getElementById("forms");
  var note = document.getElementById("drop-note");
  if (!drop || !input || !window.DataTransfer) { return; }
  var maxFiles = parseInt(drop.getAttribute("data-max-files"), 10);
  var maxBytes = parseInt(drop.getAttribute("data-max-mb"), 10) * 1024 * 1024;
  function describe(files) {
    var big = 0;
    for (var i = 0; i < files.length; i++) { if (files[i].size > maxBytes) { big++; } }
    var text = files.length + (files.length === 1 ? " file chosen." : " files chosen.");
    if (files.length > maxFiles) { text += " That is more than " + maxFiles + ": upload fewer at a time."; }
    if (big) { text += " " + big + " of them larger than the limit."; }
    note.textContent = text;
  }
  ["dragenter", "dragover"].forEach(function (name) {
    drop.addEventListener(name, function (event) { event.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    drop.addEventListener(name, function () { drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (event) {
    event.preventDefault();
    var transfer = new DataTransfer();
    var files = event.dataTransfer.files;
    for (var i = 0; i < files.length; i++) { transfer.items.add(files[i]); }
    input.files = transfer.files;
    describe(input.files);
  });
  input.addEventListener("change", function () { describe(input.files); });
  note.textContent = "You can also drag files onto this box.";
})();
