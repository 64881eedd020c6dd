#!/usr/bin/env python3
"""Writes testdata/intent-probe/*.yaml: short calls in the labelled call set's format (internal/callset)
in which a customer says why they are calling — for each intent of the default taxonomy, openings and a
follow-up written here, apart from the taxonomy's examples and the labelled calls — for measuring the
call driver on recognised text against the same calls' reference transcripts. Voices, codecs and mixes
are drawn with a fixed seed. The first six calls of every intent are split: tune, the rest heldout
(`parley eval --details tune` does not show their misses).

    python3 scripts/train/intent-probe.py         # rewrites testdata/intent-probe/
    go run ./internal/callset/gen testdata/intent-probe
    bin/parley eval --labels <printed dir>/audio --model …/whisper-tiny.en-f16.bin --details tune
"""
import os
import random
import shutil

from probecalls import AGENTS, CODECS, audio, script

rng = random.Random(20261206)
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "testdata", "intent-probe")

# intent: (opening, follow-up) pairs, as callers put it.
CALLS = {
    "billing_dispute": [
        ("Hiya. I've opened my bill and it's gone up by about twenty quid and nobody told me why.", "It was thirty two last month and now it's fifty one."),
        ("Hello, there's something on my statement called a porting fee and I've no idea what it is.", "I didn't port anything, I've had the same number for years."),
        ("Hi, you've charged me for the sports channels again, and I took them off in January.", "That's three months now I've been paying for them."),
        ("Morning. My direct debit was taken on the first and then again on the fifth.", "So I've paid twice for the same month."),
        ("Hi there. I'm being billed for calls to a number in Latvia that I've never rung in my life.", "It's nearly sixty pounds of calls."),
        ("Hello. The bill says I owe a late payment charge but I paid it the day it came.", "I've got the bank statement in front of me."),
        ("Hi, I've just had my bill and it's way more than what the salesman promised me.", "He said twenty five a month, all in."),
        ("Hello, I think my bill's wrong, it's charging me for a second box I sent back weeks ago.", "I've still got the courier receipt."),
        ("Hi, why is there a forty pound admin charge on my account?", "Nobody mentioned any admin charge to me."),
    ],
    "cancel_service": [
        ("Hi, I'd like to close my broadband account please, I'm moving in with my partner.", "He's already got a provider, so we don't need two."),
        ("Hello. I want to end my mobile contract, I've found something cheaper.", "When's the earliest I can go?"),
        ("Hi there, my mum has gone into a home and I need to stop her landline.", "She won't need it any more."),
        ("Morning. I'm calling to give notice on the TV package, we never watch it.", "Just the TV, keep the internet."),
        ("Hi, how do I get out of my contract? The signal in my village is useless.", "I've had enough of it honestly."),
        ("Hello, I'm emigrating to Canada in March so I'll need to shut everything down.", "Phone, broadband, the lot."),
        ("Hi, I'd like to terminate the business line, the shop is closing.", "Our last day is the end of the month."),
        ("Hello. Can you stop my service at the end of this billing period?", "I don't want it to renew."),
        ("Hi, I've decided to leave Northwind, can you process that for me?", "I've been with you ten years but it's time."),
    ],
    "technical_support": [
        ("Hi, my internet keeps dropping out every half an hour or so.", "The light on the router goes orange and then it comes back."),
        ("Hello, I can't send text messages since this morning, they just say failed.", "Calls work fine though."),
        ("Hi there, the TV box is stuck on a black screen with a spinning circle.", "I've turned it off and on twice."),
        ("Morning. My landline has a horrible crackle on it, I can barely hear people.", "It started after the storm on Sunday."),
        ("Hi, the wifi is really slow upstairs, the kids can't stream anything.", "Downstairs it's fine."),
        ("Hello, I got a new phone and my mobile data won't work on it.", "Wifi works, just not the data."),
        ("Hi, the app won't let me log in, it keeps saying something went wrong.", "I've reset the password and it still does it."),
        ("Hello. The broadband's been down completely since last night.", "No internet at all, all the lights are flashing."),
        ("Hi, my voicemail isn't picking up, people say it just rings and rings.", "I haven't changed any settings."),
    ],
    "address_change": [
        ("Hi, I'm moving house on the twelfth and I need the account at the new address.", "It's only round the corner."),
        ("Hello, can I update where my letters get sent? I've moved in with my daughter.", "Just the post, the phone stays the same."),
        ("Hi there, my bills are still going to my old flat.", "I moved out in the summer, can you change it?"),
        ("Morning. We've bought a new place and I want to take the broadband with us.", "We get the keys on Friday."),
        ("Hi, the address on my account is spelled wrong, it says Hill Road instead of Mill Road.", "It's been wrong since I joined."),
        ("Hello, I need to change my billing address, I've got a new office.", "The service is still at the house."),
        ("Hi, I'm a student and I'm going back to halls, can my contract move with me?", "Just for term time."),
        ("Hello, can you put my new address on the account? I got married and moved.", "My surname's changed as well."),
        ("Hi, I'm relocating to Bristol for work, what do I need to do to move my service?", "I start there next month."),
    ],
    "refund_request": [
        ("Hi, I returned the phone within the fourteen days and I still haven't had my money back.", "It was over three weeks ago."),
        ("Hello, I paid my final bill twice by mistake, can I get one of them back?", "It's the sixty pound one."),
        ("Hi there, you said you'd credit me for the week the internet was down, but it's not on there.", "I'd like that money back please."),
        ("Morning. I was overcharged last year and was told I'd get a refund cheque, it never came.", "It was for about ninety pounds."),
        ("Hi, I cancelled the insurance on my handset but you've kept taking the payment.", "I want those payments returned."),
        ("Hello, I prepaid for the year and then had to cancel, is any of that refundable?", "I only used two months."),
        ("Hi, the router arrived broken so I sent it back, and I want the delivery charge refunded.", "It wasn't my fault it was broken."),
        ("Hello, there's money left on my account after I closed it, how do I get it back?", "It says I'm in credit by forty pounds."),
        ("Hi, you took a deposit for the new connection and said it'd come back after three months.", "It's been six."),
    ],
    "new_order": [
        ("Hi, I'd like to order a new SIM only plan for my son.", "Something with plenty of data."),
        ("Hello, can I add the movie channels to my TV package?", "Starting this weekend if possible."),
        ("Hi there, I want to get the new iPhone on contract with you.", "The bigger one, in blue."),
        ("Morning. I'd like to upgrade my broadband to the fastest one you do.", "I work from home now."),
        ("Hi, can I get a landline put in at my new flat? I'm already a customer.", "Just a basic line."),
        ("Hello, I'd like to buy one of those wifi boosters you sell.", "For the back bedroom."),
        ("Hi, I'd like to take out a tablet plan as well as my phone.", "On the same bill please."),
        ("Hello, my contract's up, what can I get if I upgrade today?", "I'd like a new handset."),
        ("Hi, I want to add an extra line for my wife onto my account.", "She'll keep her own number."),
    ],
    "general_inquiry": [
        ("Hi, what time does your shop in the high street close on Saturdays?", "I want to pop in tomorrow."),
        ("Hello, does my plan let me use my phone in Spain without extra charges?", "We're going in June."),
        ("Hi there, how much data have I got left until the end of the month?", "The app isn't loading for me."),
        ("Morning. When does my current contract actually finish?", "I just want to know where I stand."),
        ("Hi, is there a charge for calling eight hundred numbers on my plan?", "Just checking before I ring one."),
        ("Hello, can you tell me what my bill is made up of? I'm trying to budget.", "Just a rough breakdown."),
        ("Hi, do you do broadband in rural areas? Just asking for my dad.", "He's out past Hexham."),
        ("Hello, what's the number for reporting a lost phone out of hours?", "In case it ever happens."),
        ("Hi, how do I set up call forwarding on my landline?", "To go to my mobile."),
    ],
    "complaint_escalation": [
        ("I want to make a formal complaint. I've been passed around for three weeks.", "I want someone senior to deal with it."),
        ("Hello. Your engineer was rude to my elderly mother and I want it reported.", "She was really upset by it."),
        ("Hi, I've rung five times about the same fault and nobody's fixed it. I want a manager.", "I'm not explaining it all again."),
        ("I'm very unhappy. I was promised a call back and it never happened, twice.", "I'd like to escalate this."),
        ("Hi, I was mis-sold a contract I can't afford and I want to complain properly.", "The salesman lied to me."),
        ("Hello, I'm going to take this to the ombudsman if it isn't sorted today.", "I've waited long enough."),
        ("Hi, I need to speak to your complaints department. Your shop staff treated me appallingly.", "I've never been spoken to like that."),
        ("Hello. I've had no service for a month and I've been given nothing but excuses.", "I want this escalated to someone who can act."),
        ("Hi, I want to complain about how my last call was handled, the agent hung up on me.", "I'd like that looked into."),
    ],
    "sales_lead": [
        ("Hi, I'm not with you at the moment but I'm thinking of switching my broadband.", "What would you charge for fibre?"),
        ("Hello, I run a small café and I'm looking at phone lines and wifi for it.", "Could someone give me a quote?"),
        ("Hi there, I saw your advert for the family deal, how does it work?", "There's five of us."),
        ("Morning. We're moving into a new build and want to compare providers.", "What can you do there?"),
        ("Hi, I'm with another company but they're putting prices up, what can you offer?", "For mobile and broadband together."),
        ("Hello, I'm interested in your TV packages, can someone talk me through them?", "I've never had one before."),
        ("Hi, is your fibre available on my street yet? I'd like to join if it is.", "I'm not a customer yet."),
        ("Hello, I'd like a quote for business mobiles, about ten handsets.", "For my building company."),
        ("Hi, can you ring me back with your best price? I'm comparing a few companies.", "I'm free after five."),
    ],
}


def call(intent, opening, follow, split):
    codec = rng.choice(CODECS)
    line = audio(rng, rng.choice(AGENTS), codec)
    lines = ["a: Northwind, how can I help?", f"c: {opening}",
             rng.choice(["a: Okay, I can help with that.", "a: Right, let me have a look.", "a: Sure, bear with me."]),
             f"c: {follow}", "a: Thanks, I'll sort that out for you now."]
    return script(split, line, lines, intent)


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    for intent, calls in CALLS.items():
        for i, (opening, follow) in enumerate(calls):
            with open(os.path.join(OUT, f"{intent.replace('_', '-')}-{i + 1}.yaml"), "w") as f:
                f.write(call(intent, opening, follow, "tune" if i < 6 else "heldout"))


if __name__ == "__main__":
    main()
