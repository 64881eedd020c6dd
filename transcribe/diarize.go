package transcribe

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/parley-cc/parley"
	"gonum.org/v1/gonum/mat"
)

// Diarizer finds who speaks when on a channel that carries more than one voice: a mono recording, or a
// conference on one side of a stereo call. It works on the levels pass's frames (their energy and their
// cepstra, measured while the recording is read once), never on the signal, so a long call costs
// 3.2 KB a second of memory:
//
//  1. the voiced frames of the voice detector's speech regions, cepstra normalised over the call;
//  2. a voice print every half second: the mean and spread of the cepstra over one second of voiced
//     frames, within one speech region;
//  3. the prints clustered by k-means (k-means++ seeding, fixed seeds), for k from 2 up to MaxSpeakers
//     (or Speakers) while the clusters stand apart by MinSeparation;
//  4. a Gaussian mixture per voice on its frames, and every voiced frame given to a voice by a Viterbi
//     pass whose change of voice costs as much as a third of a second of evidence (less across a
//     pause), twice, each time on the mixtures retrained from the pass before;
//  5. k voices kept only when speech regions stay one voice each (MinPurity) and k Gaussians describe
//     the frames better than fewer (MinGain); else the count before.
//
// Overlapping speech goes to one voice: one channel cannot tell two voices at once apart this way.
type Diarizer struct {
	// Speakers is the number of voices when known; 0 estimates it, from 1 to MaxSpeakers.
	Speakers int
	// MaxSpeakers bounds the estimate (default 2).
	MaxSpeakers int
	// MinSeparation is how far apart (see Diarization.Separation) the clusters of voice prints must be
	// for the estimate to try one more voice (default 1.1).
	MinSeparation float64
	// MinPurity is the share of voiced frames that must fall to the main voice of their speech region
	// for two or more voices to be kept, estimated or not (default 0.78; see Diarization.Purity).
	MinPurity float64
	// MinGain is how much better (see Diarization.Gain) two voices must describe the frames than one
	// for both to be kept, estimated or not (default 0.3).
	MinGain float64
}

// Voice is a stretch of one speaker's speech on a channel, in samples of the source. Speakers are
// numbered from 0 in the order they are first heard.
type Voice struct {
	Region
	Speaker int
}

// Diarization is what the diarizer found on one channel.
type Diarization struct {
	Voices   []Voice
	Speakers int
	// Separation is the distance between the two closest voices' clusters of prints, in units of the
	// prints' spread within a cluster (the square root of the ratio of the squared distance between
	// cluster centres to the mean squared distance of prints to their centres); 0 with one voice.
	Separation float64
	// Purity is the share of voiced frames given to the main voice of their speech region when the
	// channel is split into two voices: near 1 in a conversation, whose voices change between
	// sentences (0.81–1.00 on the labelled calls mixed to mono), lower when one voice is split by what
	// it says (0.51–0.80 on one voice alone).
	Purity float64
	// Gain is how much better two voices describe the voiced frames than one: the difference of the
	// Bayesian information criterion per frame, between a Gaussian (full covariance) for each voice and
	// one for both (for three voices and more, the smallest over every two). On the labelled calls mixed
	// to mono 0.41–2.03, on one voice alone −0.76–0.56 (LibriVox −0.20, the JFK recording −0.32).
	Gain float64
}

const (
	printFrames    = 50 // frames in a voice print: 1 s of voiced frames at 20 ms
	printHop       = 25
	minPrintFrames = 15
	soundGap       = 25 // frames without voice that end a stretch of speech inside a region (0.5 s)
	voicePad       = 12 // frames of pad kept around speech cut at such a gap
	mixtures       = 8  // Gaussians per voice
	changeCost     = 16 // nats: a change of voice within speech
	pauseCost      = 4  // nats: a change of voice across a pause
	pauseFrames    = 10 // unvoiced frames that make a pause
	minVoiceFrames = 12 // shorter stretches of one voice join their neighbours
	resegmentings  = 2  // Viterbi passes
	kmeansSeeds    = 8  // k-means restarts
	kmeansRounds   = 40 // k-means iterations at most
	emRounds       = 8  // iterations of a voice's mixture
	varianceFloor  = 1e-2
)

// Diarize finds the voices of channel c of decoded audio, with v finding its speech: what the pipeline
// does on a diarized channel, for tools and tests that want the voices without recognition.
func Diarize(ctx context.Context, a *Audio, c int, v VAD, d Diarizer) (Diarization, error) {
	if c < 0 || c >= len(a.Channels) {
		return Diarization{}, parley.Errorf(parley.CodeConfig, "channel %d of a %d-channel recording", c, len(a.Channels))
	}
	v = v.withDefaults()
	want := make([]bool, len(a.Channels))
	want[c] = true
	lv, err := measure(ctx, audioSource{a}, v.Frame, want)
	if err != nil {
		return Diarization{}, err
	}
	return d.split(lv, c, v, v.withoutSteadySound(lv, c, v.speech(lv, c))), nil
}

func (d Diarizer) withDefaults() Diarizer {
	if d.MaxSpeakers <= 0 {
		d.MaxSpeakers = 2
	}
	if d.MinSeparation <= 0 {
		d.MinSeparation = 1.1
	}
	if d.MinPurity <= 0 {
		d.MinPurity = 0.78
	}
	if d.MinGain == 0 {
		d.MinGain = 0.3
	}
	return d
}

// split finds the voices of channel c (whose cepstra l holds) in its speech regions (samples of the
// source), with v's threshold telling voiced frames from pauses.
func (d Diarizer) split(l *levels, c int, v VAD, regions []Region) Diarization {
	d = d.withDefaults()
	one := Diarization{Speakers: 1}
	for _, r := range regions {
		one.Voices = append(one.Voices, Voice{r, 0})
	}
	ceps := l.ceps[c]
	if ceps == nil || !ceps.keep || len(regions) == 0 { // the cepstra themselves were not kept
		return one
	}
	// Voiced frames, region by region, their cepstra normalised over the call.
	voicedIn := v.voiced(l, c)
	var frames []int   // frame numbers
	var spans [][2]int // per region: its voiced frames, as indices into frames
	for _, r := range regions {
		from := len(frames)
		frames = append(frames, voicedIn(r)...)
		spans = append(spans, [2]int{from, len(frames)})
	}
	if len(frames) < 2*printFrames {
		return one
	}
	// One array for all of them (64 bytes a voiced frame), the rows views into it.
	flat := make([]float32, len(frames)*numCeps)
	x := make([][]float32, len(frames))
	mean, std := make([]float64, numCeps), make([]float64, numCeps)
	for k, i := range frames {
		x[k] = flat[k*numCeps : (k+1)*numCeps : (k+1)*numCeps]
		copy(x[k], ceps.at(i))
		for j, v := range x[k] {
			mean[j] += float64(v)
		}
	}
	for j := range mean {
		mean[j] /= float64(len(x))
	}
	for _, row := range x {
		for j, v := range row {
			std[j] += (float64(v) - mean[j]) * (float64(v) - mean[j])
		}
	}
	for j := range std {
		std[j] = math.Sqrt(std[j]/float64(len(x))) + 1e-6
	}
	for _, row := range x {
		for j := range row {
			row[j] = float32((float64(row[j]) - mean[j]) / std[j])
		}
	}

	// Voice prints: a second of voiced frames each, every half second, within a region.
	var prints [][]float64
	var printSpan [][2]int
	for _, sp := range spans {
		if sp[1]-sp[0] < minPrintFrames {
			continue
		}
		for a := sp[0]; ; a += printHop {
			b := min(a+printFrames, sp[1])
			if b-a < printFrames && a > sp[0] { // the last print ends with the region
				a = max(sp[0], b-printFrames)
			}
			prints = append(prints, voicePrint(x[a:b]))
			printSpan = append(printSpan, [2]int{a, b})
			if b == sp[1] {
				break
			}
		}
	}
	one.Voices = voices(make([]int, len(frames)), frames, spans, regions, l.frame, 1)
	if len(prints) < 2 || d.Speakers == 1 {
		return one
	}
	standardize(prints)

	// k voices, from 2 up: their prints apart by MinSeparation (unless Speakers says how many), and
	// the Viterbi pass keeping speech regions to one voice each (a single voice split in two changes
	// voice within sentences, as its sounds change).
	best := one
	hi := d.MaxSpeakers
	if d.Speakers > 0 {
		hi = d.Speakers
	}
	for k := 2; k <= min(hi, len(prints)); k++ {
		assign, centres, inertia := kmeans(prints, k)
		within := math.Max(inertia/float64(len(prints)), 1e-9)
		sep := math.Inf(1)
		for a := range centres {
			for b := a + 1; b < len(centres); b++ {
				sep = math.Min(sep, math.Sqrt(sqDist(centres[a], centres[b])/within))
			}
		}
		if k == 2 {
			best.Separation = sep
		}
		if d.Speakers == 0 && sep < d.MinSeparation {
			break
		}
		label := resegment(x, frames, printSpan, assign, k)
		purity, gain := regionPurity(label, spans, k), minGain(x, label, k)
		if k == 2 {
			best.Purity, best.Gain = purity, gain
		}
		if purity < d.MinPurity || gain < d.MinGain {
			break
		}
		vs := voices(label, frames, spans, regions, l.frame, k)
		speakers := 0
		for _, v := range vs {
			speakers = max(speakers, v.Speaker+1)
		}
		best = Diarization{Voices: vs, Speakers: speakers, Separation: sep, Purity: purity, Gain: gain}
	}
	return best
}

// resegment gives every voiced frame to one of k voices: first the voice of the print centred nearest
// to it, then, resegmentings times, the Viterbi pass over mixtures trained on the voices' frames.
func resegment(x [][]float32, frames []int, printSpan [][2]int, assign []int, k int) []int {
	label := make([]int, len(frames))
	dist := make([]int, len(frames))
	for i := range label {
		label[i], dist[i] = -1, math.MaxInt
	}
	for p, sp := range printSpan {
		mid := (sp[0] + sp[1]) / 2
		for i := sp[0]; i < sp[1]; i++ {
			if dd := abs(i - mid); dd < dist[i] {
				label[i], dist[i] = assign[p], dd
			}
		}
	}
	for range resegmentings {
		models := make([]*gmm, k)
		for s := range k {
			var own [][]float32
			for i, lb := range label {
				if lb == s {
					own = append(own, x[i])
				}
			}
			models[s] = fitGMM(own, mixtures, uint64(s+1))
		}
		label = viterbi(x, frames, models)
	}
	return label
}

// minGain is the smallest gain, over every two of the k voices, of describing their frames as two
// Gaussians rather than one (the Bayesian information criterion's difference, per frame): how much
// more two voices explain than one, less the price of the second model's parameters.
func minGain(x [][]float32, label []int, k int) float64 {
	per := make([]moments, k)
	for i, lb := range label {
		per[lb].add(x[i])
	}
	gain := math.Inf(1)
	for a := range k {
		for b := a + 1; b < k; b++ {
			gain = math.Min(gain, bicGain(per[a], per[b]))
		}
	}
	return gain
}

// moments are the count, sums and sums of products of frames: their covariance, without keeping them.
type moments struct {
	n   float64
	sum [numCeps]float64
	sq  [numCeps][numCeps]float64
}

func (m *moments) add(row []float32) {
	m.n++
	for i, a := range row {
		m.sum[i] += float64(a)
		for j, b := range row[:i+1] {
			m.sq[i][j] += float64(a) * float64(b)
		}
	}
}

// logDetCov is the log determinant of the covariance of the frames of m and o together (−Inf when it
// is singular).
func (m moments) logDetCov(o *moments) float64 {
	n, sum, sq := m.n, m.sum, m.sq
	if o != nil {
		n += o.n
		for i := range sum {
			sum[i] += o.sum[i]
			for j := range sq[i] {
				sq[i][j] += o.sq[i][j]
			}
		}
	}
	c := mat.NewSymDense(numCeps, nil)
	for i := range numCeps {
		for j := range i + 1 {
			c.SetSym(i, j, (sq[i][j]-sum[i]*sum[j]/n)/(n-1))
		}
	}
	var ch mat.Cholesky
	if !ch.Factorize(c) {
		return math.Inf(-1)
	}
	return ch.LogDet()
}

// bicGain is ΔBIC per frame between one full-covariance Gaussian for a and b together and one for each.
func bicGain(a, b moments) float64 {
	if a.n <= 2*numCeps || b.n <= 2*numCeps {
		return math.Inf(-1) // too few frames to tell
	}
	n := a.n + b.n
	d := float64(numCeps)
	gain := n/2*a.logDetCov(&b) - a.n/2*a.logDetCov(nil) - b.n/2*b.logDetCov(nil)
	price := 0.5 * (d + d*(d+1)/2) * math.Log(n)
	return (gain - price) / n
}

// regionPurity is the share of voiced frames that belong to the voice with most frames in their
// speech region.
func regionPurity(label []int, spans [][2]int, k int) float64 {
	var pure, total int
	count := make([]int, k)
	for _, sp := range spans {
		clear(count)
		for _, lb := range label[sp[0]:sp[1]] {
			count[lb]++
		}
		pure += slices.Max(count)
		total += sp[1] - sp[0]
	}
	return float64(pure) / float64(max(1, total))
}

// voicePrint is the mean and the spread of a stretch of cepstra.
func voicePrint(x [][]float32) []float64 {
	p := make([]float64, 2*numCeps)
	for _, row := range x {
		for j, v := range row {
			p[j] += float64(v)
			p[numCeps+j] += float64(v) * float64(v)
		}
	}
	n := float64(len(x))
	for j := range numCeps {
		p[j] /= n
		p[numCeps+j] = math.Sqrt(math.Max(0, p[numCeps+j]/n-p[j]*p[j]))
	}
	return p
}

// standardize scales every dimension of the points to mean 0 and variance 1.
func standardize(pts [][]float64) {
	for j := range pts[0] {
		var m, s float64
		for _, p := range pts {
			m += p[j]
		}
		m /= float64(len(pts))
		for _, p := range pts {
			s += (p[j] - m) * (p[j] - m)
		}
		s = math.Sqrt(s/float64(len(pts))) + 1e-9
		for _, p := range pts {
			p[j] = (p[j] - m) / s
		}
	}
}

func sqDist[T float32 | float64](a []T, b []float64) float64 {
	var s float64
	for i := range a {
		d := float64(a[i]) - b[i]
		s += d * d
	}
	return s
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// kmeans clusters the points into k groups: the best of kmeansSeeds k-means++ starts by the sum of
// squared distances to the centres (inertia).
func kmeans(pts [][]float64, k int) (assign []int, centres [][]float64, inertia float64) {
	inertia = math.Inf(1)
	for seed := range kmeansSeeds {
		rng := rand.New(rand.NewPCG(uint64(seed), 17))
		a, c, in := kmeansOnce(pts, k, rng)
		if in < inertia {
			assign, centres, inertia = a, c, in
		}
	}
	return assign, centres, inertia
}

func kmeansOnce[T float32 | float64](pts [][]T, k int, rng *rand.Rand) ([]int, [][]float64, float64) {
	point := func(p []T) []float64 {
		out := make([]float64, len(p))
		for j, v := range p {
			out[j] = float64(v)
		}
		return out
	}
	centres := [][]float64{point(pts[rng.IntN(len(pts))])}
	d2 := make([]float64, len(pts))
	for len(centres) < k {
		var sum float64
		for i, p := range pts {
			d2[i] = math.Inf(1)
			for _, c := range centres {
				d2[i] = math.Min(d2[i], sqDist(p, c))
			}
			sum += d2[i]
		}
		r, pick := rng.Float64()*sum, len(pts)-1
		for i, v := range d2 {
			if r -= v; r <= 0 {
				pick = i
				break
			}
		}
		centres = append(centres, point(pts[pick]))
	}
	assign := make([]int, len(pts))
	var inertia float64
	for round := range kmeansRounds {
		changed := false
		inertia = 0
		for i, p := range pts {
			best, bd := 0, math.Inf(1)
			for c, ctr := range centres {
				if d := sqDist(p, ctr); d < bd {
					best, bd = c, d
				}
			}
			if assign[i] != best || round == 0 {
				changed = changed || assign[i] != best
				assign[i] = best
			}
			inertia += bd
		}
		if !changed && round > 0 {
			break
		}
		counts := make([]int, k)
		for c := range centres {
			clear(centres[c])
		}
		for i, p := range pts {
			counts[assign[i]]++
			for j, v := range p {
				centres[assign[i]][j] += float64(v)
			}
		}
		for c := range centres {
			if counts[c] == 0 { // an empty cluster takes the point farthest from its own centre
				centres[c] = point(pts[rng.IntN(len(pts))])
				continue
			}
			for j := range centres[c] {
				centres[c][j] /= float64(counts[c])
			}
		}
	}
	return assign, centres, inertia
}

// gmm is a mixture of Gaussians with diagonal covariances.
type gmm struct {
	logW    []float64
	mu      [][]float64
	invVar  [][]float64
	logNorm []float64 // -½ Σ log(2π σ²) per component
}

// fitGMM fits up to k components to the points by EM from a k-means start (fewer when the points are
// few: at least 30 per component).
func fitGMM(pts [][]float32, k int, seed uint64) *gmm {
	dim := numCeps
	k = max(1, min(k, len(pts)/30))
	g := &gmm{}
	if len(pts) == 0 {
		g.logW = []float64{0}
		g.mu = [][]float64{make([]float64, dim)}
		g.invVar = [][]float64{slices.Repeat([]float64{1}, dim)}
		g.logNorm = []float64{-0.5 * float64(dim) * math.Log(2*math.Pi)}
		return g
	}
	var assign []int
	if k == 1 {
		assign = make([]int, len(pts))
	} else {
		assign, _, _ = kmeansOnce(pts, k, rand.New(rand.NewPCG(seed, 29)))
	}
	resp := make([]float32, len(pts)*k) // responsibilities, k per point
	for i, a := range assign {
		resp[i*k+a] = 1
	}
	ll := make([]float64, k)
	for round := range emRounds {
		// M step
		g.logW, g.mu, g.invVar, g.logNorm = make([]float64, k), make([][]float64, k), make([][]float64, k), make([]float64, k)
		for c := range k {
			var w float64
			mu, sq := make([]float64, dim), make([]float64, dim)
			for i, p := range pts {
				r := float64(resp[i*k+c])
				w += r
				for j, v := range p {
					mu[j] += r * float64(v)
					sq[j] += r * float64(v) * float64(v)
				}
			}
			w = math.Max(w, 1e-9)
			g.logW[c] = math.Log(w / float64(len(pts)))
			g.invVar[c] = make([]float64, dim)
			g.logNorm[c] = -0.5 * float64(dim) * math.Log(2*math.Pi)
			for j := range mu {
				mu[j] /= w
				v := math.Max(varianceFloor, sq[j]/w-mu[j]*mu[j])
				g.invVar[c][j] = 1 / v
				g.logNorm[c] -= 0.5 * math.Log(v)
			}
			g.mu[c] = mu
		}
		if round == emRounds-1 {
			break
		}
		// E step
		for i, p := range pts {
			g.components(p, ll)
			m := slices.Max(ll)
			var s float64
			for c := range ll {
				ll[c] = math.Exp(ll[c] - m)
				s += ll[c]
			}
			for c := range ll {
				resp[i*k+c] = float32(ll[c] / s)
			}
		}
	}
	return g
}

// components fills ll with each component's log weight plus log density at p.
func (g *gmm) components(p []float32, ll []float64) {
	for c := range g.mu {
		var q float64
		for j, v := range p {
			d := float64(v) - g.mu[c][j]
			q += d * d * g.invVar[c][j]
		}
		ll[c] = g.logW[c] + g.logNorm[c] - 0.5*q
	}
}

// logLik is the log density of the mixture at p.
func (g *gmm) logLik(p []float32, ll []float64) float64 {
	ll = ll[:len(g.mu)]
	g.components(p, ll)
	m := slices.Max(ll)
	var s float64
	for _, v := range ll {
		s += math.Exp(v - m)
	}
	return m + math.Log(s)
}

// viterbi gives every voiced frame to a voice: the best path through the frames' log densities under
// the voices' mixtures, a change of voice costing changeCost, or pauseCost across a pause.
func viterbi(x [][]float32, frames []int, models []*gmm) []int {
	k := len(models)
	n := len(x)
	back := make([]uint8, n*k)
	score := make([]float64, k)
	next := make([]float64, k)
	ll := make([]float64, mixtures)
	for i := range n {
		cost := float64(changeCost)
		if i > 0 && frames[i]-frames[i-1] > pauseFrames {
			cost = pauseCost
		}
		for s := range k {
			best, from := math.Inf(-1), 0
			for r := range k {
				v := score[r]
				if r != s {
					v -= cost
				}
				if i == 0 {
					v = 0
				}
				if v > best {
					best, from = v, r
				}
			}
			next[s] = best + models[s].logLik(x[i], ll)
			back[i*k+s] = uint8(from)
		}
		score, next = next, score
	}
	label := make([]int, n)
	s := 0
	for r := range k {
		if score[r] > score[s] {
			s = r
		}
	}
	for i := n - 1; i >= 0; i-- {
		label[i] = s
		s = int(back[i*k+s])
	}
	return label
}

// voices turns the voiced frames' labels into stretches of speech. Within each region, a change of
// voice falls halfway through the pause between the two voices' frames, and more than soundGap frames
// without voice (steady sound) end one stretch and start the next; stretches shorter than
// minVoiceFrames join the voice before them (or after, at the start); speakers are renumbered in the
// order they are first heard.
func voices(label, frames []int, spans [][2]int, regions []Region, frame, k int) []Voice {
	type run struct{ a, b, s int } // voiced-frame indices, first and last
	var out []Voice
	for ri, sp := range spans {
		r := regions[ri]
		if sp[0] == sp[1] { // no voiced frame: the voice heard last, or the first
			s := 0
			if len(out) > 0 {
				s = out[len(out)-1].Speaker
			} else if len(label) > 0 {
				s = label[0]
			}
			out = append(out, Voice{r, s})
			continue
		}
		var runs []run
		for i := sp[0]; i < sp[1]; i++ {
			if n := len(runs); n > 0 && runs[n-1].s == label[i] && frames[i]-frames[i-1] <= soundGap {
				runs[n-1].b = i
				continue
			}
			runs = append(runs, run{i, i, label[i]})
		}
		joined := func(a, b run) bool { return frames[b.a]-frames[a.b] <= soundGap }
		for changed := true; changed; {
			changed = false
			for j, ru := range runs {
				if frames[ru.b]-frames[ru.a]+1 >= minVoiceFrames {
					continue
				}
				switch {
				case j > 0 && joined(runs[j-1], ru):
					runs[j-1].b = ru.b
				case j+1 < len(runs) && joined(ru, runs[j+1]):
					runs[j+1].a = ru.a
				default:
					continue // alone between pauses: a short word, kept
				}
				runs = slices.Delete(runs, j, j+1)
				for m := 1; m < len(runs); m++ { // neighbours of one voice join
					if runs[m].s == runs[m-1].s && joined(runs[m-1], runs[m]) {
						runs[m-1].b = runs[m].b
						runs = slices.Delete(runs, m, m+1)
						m--
					}
				}
				changed = true
				break
			}
		}
		start := max(r.Start, (frames[runs[0].a]-voicePad)*frame)
		for j, ru := range runs {
			if j > 0 && !joined(runs[j-1], ru) {
				start = max(start, (frames[ru.a]-voicePad)*frame)
			}
			end := min(r.End, (frames[ru.b]+1+voicePad)*frame)
			if j+1 < len(runs) && joined(ru, runs[j+1]) {
				end = (frames[ru.b] + 1 + frames[runs[j+1].a]) * frame / 2
			}
			out = append(out, Voice{Region{start, end}, ru.s})
			start = end
		}
	}
	// Number the speakers in the order they are heard.
	order := make([]int, k)
	for i := range order {
		order[i] = -1
	}
	next := 0
	for i := range out {
		if order[out[i].Speaker] < 0 {
			order[out[i].Speaker] = next
			next++
		}
		out[i].Speaker = order[out[i].Speaker]
	}
	return out
}
