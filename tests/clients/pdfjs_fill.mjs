// Fill forms the way Firefox does: values go into pdf.js's annotationStorage, then saveDocument() (as Firefox's Save).
// Usage: node pdfjs_fill.mjs JOBS.json, where JOBS.json is [{"input", "output", "values": {name: value}}].
// Text fields take a string, checkboxes true/false, radio groups the export value of the option to choose.
import { readFileSync, writeFileSync } from "node:fs";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";

async function fill(job) {
  const data = new Uint8Array(readFileSync(job.input));
  const doc = await getDocument({ data, isEvalSupported: false, enableXfa: false, disableFontFace: true,
                                  useSystemFonts: false, verbosity: 0 }).promise;
  const fields = (await doc.getFieldObjects()) || {};
  for (const [name, want] of Object.entries(job.values)) {
    const widgets = fields[name];
    if (!widgets) throw new Error(`no field ${name}`);
    for (const widget of widgets) {
      if (widget.type === "text") {
        doc.annotationStorage.setValue(widget.id, { value: want });
      } else if (widget.type === "checkbox") {
        doc.annotationStorage.setValue(widget.id, { value: Boolean(want) });
      } else if (widget.type === "radiobutton") {
        doc.annotationStorage.setValue(widget.id, { value: widget.exportValues === want });
      }
    }
  }
  writeFileSync(job.output, await doc.saveDocument());
  await doc.destroy();
}

const jobs = JSON.parse(readFileSync(process.argv[2], "utf8"));
for (const job of jobs) {
  await fill(job);
}
