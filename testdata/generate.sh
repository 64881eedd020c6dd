#!/usr/bin/env bash
# Regenerates the test recordings from the call scripts in calls/*.script and the bad-input set in bad/.
# Needs espeak-ng, flite and sox (Debian: apt-get install -y espeak-ng flite sox). The outputs are
# committed; run this only after changing a script.
#
# Calls are stored the way contact-center recorders store them: stereo, 8 kHz, G.711 µ-law, agent on
# the left channel, customer on the right. A script line is
#     +GAP SPEAKER TEXT      SPEAKER (agent|customer) starts GAP seconds after the previous line ended;
#                            a negative GAP makes them talk over the previous speaker (an interruption)
#     +GAP hold SECONDS      the customer is on hold: music on the agent channel
# The reference transcripts, one per channel, are written beside each call as NAME.agent.txt and
# NAME.customer.txt, and the timed utterances as NAME.turns.tsv (start, end, speaker, text).
set -euo pipefail
export SOX_OPTS="-R" # repeatable dither and noise: the same scripts give the same files
cd "$(dirname "$0")"
for t in espeak-ng flite sox; do command -v $t >/dev/null || { echo "generate.sh: $t is missing" >&2; exit 1; }; done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

rate=8000
silence() { sox -n -r $rate -c 1 -b 16 "$1" trim 0 "$2"; }

# speak SPEAKER TEXT OUT: agent = espeak-ng female US voice, customer = flite male voice.
speak() {
	case $1 in
	agent) espeak-ng -v en-us+f3 -s 165 -w "$tmp/raw.wav" "$2" ;;
	customer) flite -voice rms -t "$2" -o "$tmp/raw.wav" ;;
	esac
	sox -D "$tmp/raw.wav" -r $rate -c 1 -b 16 "$3" norm -3
}

gen_call() {
	local script=$1 name
	name=calls/$(basename "$script" .script)
	local t=0 n=0 line gap who text start
	: >"$tmp/agent.list"
	: >"$tmp/customer.list"
	: >"$name.agent.txt"
	: >"$name.customer.txt"
	printf 'start\tend\tspeaker\ttext\n' >"$name.turns.tsv"
	while IFS= read -r line; do
		[[ -z "$line" || "$line" == \#* ]] && continue
		gap=${line%% *}; line=${line#* }
		who=${line%% *}; text=${line#* }
		gap=${gap#+}
		start=$(awk -v t="$t" -v g="$gap" 'BEGIN { s = t + g; if (s < 0) s = 0; printf "%.3f", s }')
		n=$((n + 1))
		if [ "$who" = hold ]; then
			# Hold music: a soft two-tone phrase repeated, as hold lines play it.
			sox -n -r $rate -c 1 -b 16 "$tmp/u$n.wav" synth "$text" sine 440 sine 554 remix - gain -18 tremolo 1 60
			who=agent
		else
			speak "$who" "$text" "$tmp/u$n.wav"
			echo "$text" >>"$name.$who.txt"
			printf '%s\t%s\t%s\t%s\n' "$start" "$(awk -v s="$start" -v d="$(soxi -D "$tmp/u$n.wav")" 'BEGIN { printf "%.3f", s + d }')" "$who" "$text" >>"$name.turns.tsv"
		fi
		sox -D "$tmp/u$n.wav" "$tmp/p$n.wav" pad "$start" 0
		echo "$tmp/p$n.wav" >>"$tmp/$who.list"
		t=$(awk -v s="$start" -v d="$(soxi -D "$tmp/u$n.wav")" 'BEGIN { printf "%.3f", s + d }')
	done <"$script"
	local end
	end=$(awk -v t="$t" 'BEGIN { printf "%.3f", t + 1 }')
	for who in agent customer; do
		silence "$tmp/$who-base.wav" "$end"
		# -m mixes every utterance of the channel onto a silent bed as long as the call, each at unity gain
		# (-v 1; sox would otherwise scale each input by 1/N): utterances of one channel never overlap.
		sox -D -m -v 1 "$tmp/$who-base.wav" $(sed 's/^/-v 1 /' "$tmp/$who.list") "$tmp/$who.wav" trim 0 "$end"
	done
	sox -D -M "$tmp/agent.wav" "$tmp/customer.wav" -r $rate -e u-law -b 8 "$name.wav"
	echo "generated $name.wav ($(soxi -d "$name.wav"), $(soxi -c "$name.wav") channels, $(soxi -e "$name.wav"))"
}

# patch FILE OFFSET HEX: overwrite bytes at OFFSET with the given little-endian hex bytes.
patch() { printf "$(echo "$3" | sed 's/../\\x&/g')" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }
# offset_of FILE TAG: byte offset of a chunk tag such as "data".
offset_of() { grep -obUa "$2" "$1" | head -1 | cut -d: -f1; }

gen_bad() {
	rm -f bad/*.wav
	: >bad/empty.wav
	printf 'Call notes for the QA review: customer asked about a refund.\n' >bad/text-renamed.wav
	sox -n -r 8000 -c 1 -b 16 "$tmp/ok.wav" synth 1 sine 300 gain -6
	head -c 30 "$tmp/ok.wav" >bad/truncated-header.wav
	local data
	data=$(offset_of "$tmp/ok.wav" data)
	head -c $((data + 8 + 6000)) "$tmp/ok.wav" >bad/truncated-data.wav
	cp "$tmp/ok.wav" bad/chunk-size-past-eof.wav
	patch bad/chunk-size-past-eof.wav $((data + 4)) f0ffff7f # data size 0x7ffffff0, RIFF size unchanged
	sox -n -r 8000 -c 6 -b 16 bad/six-channels.wav synth 0.5 sine 300 gain -6
	sox -n -r 8000 -c 1 -e unsigned-integer -b 8 bad/pcm-8bit.wav synth 1 sine 300 gain -6
	cp "$tmp/ok.wav" bad/sample-rate-zero.wav
	patch bad/sample-rate-zero.wav 24 0000000000000000 # sample rate and byte rate
	sox -n -r 8000 -c 1 -e ima-adpcm bad/ima-adpcm.wav synth 1 sine 300 gain -6
	sox -n -r 8000 -c 1 -e u-law bad/too-long.wav synth 11 whitenoise gain -30 # 11 s; tests set max_duration 10s
	echo "generated bad/: $(ls bad | tr '\n' ' ')"
}

for s in calls/*.script; do gen_call "$s"; done
gen_bad
python3 transcripts.py && echo "generated transcripts/"
