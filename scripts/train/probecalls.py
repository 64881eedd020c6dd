"""What the probe sets' writers (pii-probe.py, intent-probe.py) share: the voices, codecs and mixes of
the labelled call set, drawn from a seeded random source, and a call's script in its format."""

AGENTS = ["en-us+f1", "en-us+m3", "en-gb+f2", "en-gb+m4", "en-gb-scotland+m2", "en-gb-x-rp+f5",
          "en-029+m1", "en-us-nyc+f4", "en-gb-x-gbclan+m5", "en-gb-x-gbcwmd+f1"]
CUSTOMERS = ["awb", "kal", "rms", "slt"]
CODECS = ["ulaw", "ulaw", "ulaw", "alaw", "pcm"]


def audio(rng, agent, codec):
    """The audio line of a script: the agent's espeak-ng voice and codec given, the customer's flite
    voice, a mono mix (a quarter of calls) and line noise (three in ten) drawn."""
    line = f'{{agent: "espeak:{agent}", customer: "flite:{rng.choice(CUSTOMERS)}", codec: {codec}'
    if codec == "pcm":
        line += ", rate: 16000"
    if rng.random() < 0.25:
        line += ", mix: mono"
    if rng.random() < 0.3:
        line += f", noise_db: {rng.randrange(-46, -41)}"
    return line + "}"


def script(split, audio_line, lines, intent=None):
    """A call's script (testdata/callset format)."""
    head = f"split: {split}\n" + (f"intent: {intent}\n" if intent else "")
    body = "\n".join(f'  - "{l}"' for l in lines)
    return f"{head}audio: {audio_line}\nlines:\n{body}\n"
