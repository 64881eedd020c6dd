#!/usr/bin/env python3
"""Writes testdata/pii-probe/*.yaml: short calls in the labelled call set's format (internal/callset)
whose customers give personal data in answer to an agent's question — account and phone numbers, dates
of birth, addresses and postcodes, names, emails — for tuning how parley finds personal data in
recognised text. The values are random (fixed seed); the questions and answers are written here, apart
from the labelled calls and from the phrases parley's rules look for. The first 30 calls are split: tune,
the last 20 heldout: no rule is fitted on them, and `parley eval --details tune` does not show their misses.

    python3 scripts/train/pii-probe.py            # rewrites testdata/pii-probe/
    go run ./internal/callset/gen testdata/pii-probe
    bin/parley eval --labels <printed dir>/audio --model …/whisper-tiny.en-f16.bin --details tune
"""
import os
import random
import shutil

from probecalls import AGENTS, CODECS, audio, script

rng = random.Random(20261205)
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "testdata", "pii-probe")

DIGITS = "zero one two three four five six seven eight nine".split()
ONES = ["", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
        "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
        "eighteenth", "nineteenth", "twentieth", "twenty first", "twenty second", "twenty third",
        "twenty fourth", "twenty fifth", "twenty sixth", "twenty seventh", "twenty eighth"]
MONTHS = "January February March April May June July August September October November December".split()
TENS = {2: "twenty", 3: "thirty", 4: "forty", 5: "fifty", 6: "sixty", 7: "seventy", 8: "eighty", 9: "ninety"}
TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
FIRST = ["Aisha", "Tom", "Gemma", "Kwame", "Lena", "Rob", "Nadia", "Harry", "Sian", "Dev", "Morag",
         "Pete", "Chloe", "Imran", "Beth", "Declan", "Yusuf", "Holly", "Gareth", "Anya"]
LAST = ["Okafor", "Bennett", "Lloyd", "Mensah", "Fischer", "Kerr", "Hussain", "Doyle", "Pritchard",
        "Patel", "Campbell", "Ward", "Nowak", "Ahmed", "Foster", "Brennan", "Yilmaz", "Shaw", "Rees", "Ivanova"]
STREETS = ["Birch Avenue", "Canal Street", "Hill Crescent", "Orchard Way", "Victoria Road", "Church Lane",
           "Beech Close", "Quarry Drive", "Marsh Road", "Ferry Street"]
AREAS = ["L", "M", "B", "G", "EH", "CF", "NE", "LS", "BS", "SO", "CV", "PL", "DN", "SW", "N"]


def two(n):
    if n < 10:
        return DIGITS[n]
    if n < 20:
        return TEENS[n - 10]
    t, o = divmod(n, 10)
    return TENS[t] + ("" if o == 0 else " " + DIGITS[o])


def year(y):
    if y >= 2000:
        return "two thousand" + ("" if y == 2000 else " and " + two(y - 2000))
    return "nineteen " + two(y - 1900)


def digits(n, groups):
    s = "".join(str(rng.randrange(10)) for _ in range(n))
    out, i = [], 0
    for g in groups:
        out.append(" ".join(DIGITS[int(c)] if rng.random() > 0.15 or c != "0" else "oh" for c in s[i:i + g]))
        i += g
    return ", ".join(out)


def postcode():
    area = rng.choice(AREAS)
    spelled = " ".join(area)
    district = rng.randrange(1, 30)
    inward = f"{rng.randrange(1, 10)}{rng.choice('ABDEFGHJLNPQRSTUWXY')}{rng.choice('ABDEFGHJLNPQRSTUWXY')}"
    return f"{spelled} {two(district)}, {DIGITS[int(inward[0])]} {inward[1]} {inward[2]}"


def dob():
    d, m, y = rng.randrange(1, 29), rng.choice(MONTHS), rng.randrange(1948, 2004)
    return rng.choice([f"The {ONES[d]} of {m}, {year(y)}.", f"{ONES[d].capitalize()} of {m}, {year(y)}.",
                       f"It's {m} the {ONES[d]}, {year(y)}.", f"Erm, {ONES[d]} {m}, {year(y)}."])


QA = {
    "ACCOUNT_NUMBER": (["Can I grab the account number off you?", "What's the account number, please?",
                        "Have you got your account number handy?", "Could you read me the number at the top of your bill?",
                        "And the customer number?"],
                       lambda: rng.choice(["It's ", "Yeah, it's ", "", "Right, it's "]) + digits(9, [3, 3, 3]) + "."),
    "DATE_OF_BIRTH": (["And your date of birth?", "When were you born?", "Can you give me your birthday, with the year?",
                       "What date of birth do we have for you?", "Just to check it's you, what's your date of birth?"],
                      dob),
    "ADDRESS": (["What's the postcode there?", "Can I have the first line of the address and the postcode?",
                 "Where's the property?", "What address is the account at?", "And the postcode for the new place?"],
                lambda: rng.choice([f"{two(rng.randrange(2, 90)).capitalize()} {rng.choice(STREETS)}, {postcode()}.",
                                    f"It's {postcode()}.", f"Flat {two(rng.randrange(1, 20))}, {two(rng.randrange(2, 60))} {rng.choice(STREETS)}, {postcode()}."])),
    "PERSON": (["Who am I speaking to?", "Can I take your full name?", "Whose name is the account in?",
                "And your name, please?", "Who's the account holder?"],
               lambda: rng.choice(["It's ", "", "Yes, it's ", "That's me, "]) + f"{rng.choice(FIRST)} {rng.choice(LAST)}."),
    "PHONE": (["What's the best number to reach you on?", "Is there a mobile we can text?", "What number should the engineer ring?"],
              lambda: rng.choice(["", "It's ", "Try "]) + "oh seven " + digits(3, [3]) + ", " + digits(6, [3, 3]) + "."),
    "EMAIL": (["What email should I send it to?", "Can I have your email address?"],
              lambda: f"{rng.choice(FIRST).lower()} dot {rng.choice(LAST).lower()} at {rng.choice(['gmail', 'outlook', 'yahoo', 'hotmail'])} dot com."),
}
REASONS = ["I need to update some details on my account.", "I'm calling about my broadband order.",
           "My bill looks wrong this month.", "I want to book an engineer.", "I've lost my phone and need a new SIM.",
           "I'm moving house next week.", "I'd like to change my payment date.", "The router you sent is faulty."]


def call(i, split):
    kinds = rng.sample(list(QA), 3)
    agent = rng.choice(AGENTS)
    line = audio(rng, agent, rng.choice(CODECS))
    lines = [f'a: Northwind, {rng.choice(FIRST)} speaking, how can I help?', f"c: Hi. {rng.choice(REASONS)}"]
    for k in kinds:
        qs, answer = QA[k]
        lines.append(f"a: {rng.choice(qs)}")
        lines.append(f"c: {answer()} #pii:{k}")
        lines.append(rng.choice(["a: Thank you.", "a: Lovely.", "a: Great, thanks.", "a: Got it."]))
    lines.append("a: That's all sorted. Bye now.")
    return script(split, line, lines)


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    for i in range(50):
        with open(os.path.join(OUT, f"probe-{i + 1:02d}.yaml"), "w") as f:
            f.write(call(i, "tune" if i < 30 else "heldout"))


if __name__ == "__main__":
    main()
