#!/usr/bin/env python3
"""Writes scripts/train/acts/NAME/heard.csv: an act classifier's written training rows as a recogniser
hears them on a phone line (scripts/train-act.sh). Each sentence of written-act.txt, written-other.txt
and agent-lines.csv is spoken by one of a fixed list of espeak-ng and flite voices (taken in turn),
sent through a phone line's codec (8 kHz µ-law, sox) and recognised by whisper-cli with the tiny.en
model (greedy, one process for all files), and the text it gives is kept with the sentence's label
when it differs from the written one. Recognisers garble script lines ("I've credited twenty five pounds" as "I'm pre-ended
25 cones"); the classifier learns what such text looks like from sentences that are not the labelled
calls'. Deterministic for one whisper.cpp build and model; about 4 minutes on 2 cores.

    eval "$(scripts/whisper.sh env)"; python3 scripts/train/heard.py NAME MODEL.bin
"""
import csv, os, subprocess, sys, tempfile

ACTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'acts')
VOICES = ['espeak:en-us+m3', 'espeak:en-gb+f2', 'espeak:en+m5', 'espeak:en-us+f4', 'espeak:en-gb-scotland+m2',
          'espeak:en-us+f1', 'espeak:en+f5', 'espeak:en-gb+m7', 'flite:slt', 'flite:awb', 'flite:kal', 'flite:rms']


def rows(src, act):
    for name, label in (('written-act.txt', act), ('written-other.txt', 'other')):
        for line in open(os.path.join(src, name)):
            if line.strip():
                yield line.strip(), label
    for r in csv.DictReader(open(os.path.join(src, 'agent-lines.csv'))):
        yield r['text'], r['label']


def speak(voice, text, wav):
    kind, v = voice.split(':', 1)
    raw = wav + '.raw.wav'
    if kind == 'espeak':
        subprocess.run(['espeak-ng', '-v', v, '-s', '160', '-w', raw, text], check=True)
    else:
        subprocess.run(['flite', '-voice', v, '-t', text, '-o', raw], check=True)
    ulaw = wav + '.ul.wav'
    subprocess.run(['sox', raw, '-r', '8000', '-c', '1', '-e', 'u-law', ulaw], check=True)
    subprocess.run(['sox', ulaw, '-r', '16000', '-e', 'signed-integer', '-b', '16', wav], check=True)
    os.remove(raw)
    os.remove(ulaw)


def main():
    if len(sys.argv) != 3:
        sys.exit('usage: heard.py NAME MODEL.bin (NAME: a folder of scripts/train/acts)')
    act, model = sys.argv[1], sys.argv[2]
    src = os.path.join(ACTS, act)
    cli = os.environ.get('WHISPER_CLI', 'whisper-cli')
    data = list(rows(src, act))
    with tempfile.TemporaryDirectory() as d:
        wavs = []
        for i, (text, _) in enumerate(data):
            wav = os.path.join(d, f'{i:04d}.wav')
            speak(VOICES[i % len(VOICES)], text, wav)
            wavs.append(wav)
        args = [cli, '-m', model, '-t', '2', '-bs', '1', '-bo', '1', '-nt', '-np', '-otxt']
        for w in wavs:
            args += ['-f', w]
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
        out = os.path.join(src, 'heard.csv')
        kept = 0
        with open(out, 'w', newline='') as f:
            w = csv.writer(f)
            w.writerow(['text', 'label', 'written'])
            for (text, label), wav in zip(data, wavs):
                heard = ' '.join(open(wav + '.txt').read().split())
                if heard and heard != text:
                    w.writerow([heard, label, text])
                    kept += 1
        print(f'{kept} of {len(data)} sentences heard differently → {out}')


if __name__ == '__main__':
    main()
