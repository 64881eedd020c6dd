#!/usr/bin/env python3
"""Writes testdata/transcripts/: the reference turns of testdata calls in the formats other engines
produce (AWS Transcribe with channel identification, whisper-cli JSON, WebVTT with named voices), for
the transcript-import tests. Word times are spread evenly over each utterance."""
import csv, json, os

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "transcripts")

def turns(name):
    with open(os.path.join(here, "calls", name + ".turns.tsv")) as f:
        return [(float(r["start"]), float(r["end"]), r["speaker"], r["text"]) for r in csv.DictReader(f, delimiter="\t")]

def aws(name):
    items = []
    for start, end, who, text in turns(name):
        words = text.split()
        step = (end - start) / len(words)
        for i, w in enumerate(words):
            core, punct = w.rstrip(".,?!"), w[len(w.rstrip(".,?!")):]
            label = "ch_0" if who == "agent" else "ch_1"
            items.append({"start_time": "%.3f" % (start + i * step), "end_time": "%.3f" % (start + (i + 1) * step),
                          "type": "pronunciation", "channel_label": label,
                          "alternatives": [{"confidence": "0.97", "content": core}]})
            if punct:
                items.append({"type": "punctuation", "channel_label": label, "alternatives": [{"confidence": "0.0", "content": punct[0]}]})
    doc = {"jobName": name, "status": "COMPLETED", "results": {"language_code": "en-US",
           "transcripts": [{"transcript": " ".join(t[3] for t in turns(name))}], "items": items}}
    with open(os.path.join(out, name + ".aws.json"), "w") as f:
        json.dump(doc, f, indent=1)

def whisper(name):
    doc = {"result": {"language": "en"}, "transcription": [
        {"offsets": {"from": int(s * 1000), "to": int(e * 1000)}, "text": " " + t, "speaker": "0" if w == "agent" else "1"}
        for s, e, w, t in turns(name)]}
    with open(os.path.join(out, name + ".whisper.json"), "w") as f:
        json.dump(doc, f, indent=1)

def vtt(name, voices):
    def ts(x):
        ms = int(round(x * 1000))
        return "%02d:%02d:%02d.%03d" % (ms // 3600000, ms // 60000 % 60, ms // 1000 % 60, ms % 1000)
    with open(os.path.join(out, name + ".vtt"), "w") as f:
        f.write("WEBVTT\n\n")
        for i, (s, e, w, t) in enumerate(turns(name)):
            f.write("%d\n%s --> %s\n<v %s>%s\n\n" % (i + 1, ts(s), ts(e), voices[w], t))

os.makedirs(out, exist_ok=True)
aws("address-change")
whisper("billing-dispute")
vtt("cancel-service", {"agent": "Daniel", "customer": "Customer"})
vtt("identity-check", {"agent": "agent", "customer": "customer"})
# Each transcript keeps its call's metadata sidecar (NAME.json).
for name in ("address-change", "billing-dispute", "cancel-service", "identity-check"):
    with open(os.path.join(here, "calls", name + ".json")) as src, open(os.path.join(out, name + ".json"), "w") as dst:
        dst.write(src.read())
