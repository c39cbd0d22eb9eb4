package web

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"hash/crc32"
	"math/bits"
	"slices"
)

// A skeleton's page is compressed without running a compressor per scan.
// Compressing the 6 kB verification page at gzip's fastest level cost
// 20-35 µs a request, more than rendering it, and kept the two cores of a
// small server saturated under a flood of scans. Yet all but about a
// kilobyte of the page is the skeleton's parts, the same for every letter
// of a shape. So the work of a compressor is done once per shape, when the
// skeleton is built, over the parts alone:
//
//   - the search for repeated strings (deflate's LZ77 half): each part
//     becomes a plan of literal runs and copies, a copy either from
//     earlier in the same part or from an earlier part (planDeflate);
//   - a Huffman code for the parts' symbols, in which every byte, length
//     and distance still has a code, for the values (newGzPlan);
//   - the bits of the block header and of every stretch of the parts whose
//     code does not depend on the values: all but the copies from an
//     earlier part, whose distance grows with the values between.
//
// Serving a page then writes those bits, the copies from earlier parts
// with their distance measured in the page as rendered (as literals when
// the values pushed the source out of deflate's 32 kB reach), and the
// values as literals, or as copies of an earlier value's words
// (bitWriter.value). The output is one complete gzip member (RFC 1952)
// holding one deflate block (RFC 1951); the tests read it back with the
// standard library's reader.

// gzOp is one step of a part's plan: n literal bytes of the part from off,
// or (src >= 0) a copy of n bytes from part src at srcOff to off.
type gzOp struct {
	off, n      int32
	src, srcOff int32
}

// deflateMaxDistance is how far back a deflate copy may reach.
const deflateMaxDistance = 32768

// planDeflate finds, for each part, a sequence of literal runs and copies
// that spells it, copying from the part itself or from earlier parts, each
// copy cheaper than its bytes as literals by estimate (copyBits). It is
// greedy with one step of lazy matching, like zlib's middle levels, and
// runs once per skeleton.
func planDeflate(parts []string) [][]gzOp {
	const maxChain = 256 // candidates tried a position, as zlib's level 9 does at most 4096
	text := make([]byte, 0, 8<<10)
	starts := make([]int, len(parts))
	for i, p := range parts {
		starts[i] = len(text)
		text = append(text, p...)
	}
	partOf := make([]int32, len(text))
	for i, p := range parts {
		for j := range len(p) {
			partOf[starts[i]+j] = int32(i)
		}
	}
	partEnd := func(pos int) int { i := partOf[pos]; return starts[i] + len(parts[i]) }
	key := func(pos int) uint32 { return uint32(text[pos]) | uint32(text[pos+1])<<8 | uint32(text[pos+2])<<16 }
	seen := map[uint32][]int32{} // earlier positions by their first three bytes
	add := func(pos int) {
		if pos+3 <= partEnd(pos) {
			k := key(pos)
			seen[k] = append(seen[k], int32(pos))
		}
	}
	// best is the longest copy for pos, among positions already added.
	best := func(pos int) (length, src int) {
		end := partEnd(pos)
		if pos+3 > end {
			return 0, 0
		}
		cands := seen[key(pos)]
		for c := len(cands) - 1; c >= 0 && c >= len(cands)-maxChain; c-- {
			from := int(cands[c])
			if pos-from > deflateMaxDistance {
				break // and so are the older ones
			}
			limit := min(end-pos, 258)
			if partOf[from] != partOf[pos] {
				limit = min(limit, partEnd(from)-from)
			}
			n := 0
			for n < limit && text[from+n] == text[pos+n] {
				n++
			}
			if n > length {
				length, src = n, from
				if n == limit {
					break // none can be longer
				}
			}
		}
		if length >= 3 && copyBits(length, pos-src) >= estLiteralBits*length {
			return 0, 0
		}
		return length, src
	}
	plans := make([][]gzOp, len(parts))
	for i := range parts {
		var ops []gzOp
		literal := func(pos int) {
			off := int32(pos - starts[i])
			if k := len(ops) - 1; k >= 0 && ops[k].src < 0 && ops[k].off+ops[k].n == off {
				ops[k].n++
				return
			}
			ops = append(ops, gzOp{off: off, n: 1, src: -1})
		}
		end := starts[i] + len(parts[i])
		for pos := starts[i]; pos < end; {
			length, src := best(pos)
			if length < 3 {
				literal(pos)
				add(pos)
				pos++
				continue
			}
			add(pos)
			if next, _ := best(pos + 1); next > length {
				literal(pos)
				pos++
				continue
			}
			ops = append(ops, gzOp{off: int32(pos - starts[i]), n: int32(length),
				src: partOf[src], srcOff: int32(src - starts[partOf[src]])})
			for p := pos + 1; p < pos+length; p++ {
				add(p)
			}
			pos += length
		}
		plans[i] = ops
	}
	return plans
}

// estLiteralBits is what planDeflate assumes a literal costs, before the
// code is known: about what a page's text takes in a Huffman code.
const estLiteralBits = 6

// copyBits estimates what a copy costs: its length and distance symbols
// (about 7 and 5 bits) and their extra bits.
func copyBits(length, distance int) int {
	_, _, eb := lengthCode(length)
	_, _, db := distanceCode(distance)
	return 7 + int(eb) + 5 + int(db)
}

// A gzPlan is a skeleton's page compressed ahead: one deflate block with a
// Huffman code made for the skeleton's parts (in which every byte can still
// be written, for the values), the block's header and every stretch of
// the parts whose code does not depend on the values already encoded.
// The parts' segments lie in one array and their bits in another, some
// 15 kB for the verification page, which writeGzip walks in order.
type gzPlan struct {
	lit   [286]huffCode // literal/length code
	dist  [30]huffCode  // distance code
	head  bitString     // BFINAL, BTYPE and the code tables
	segs  []gzSeg       // the parts' segments, part after part
	ends  []int32       // the end of part i's segments in segs
	words []uint32      // the encoded stretches' bits
}

// gzSeg is a stretch of a part: n bits encoded in words from at, or
// (n == 0) a copy of size bytes from part src at srcOff to at, whose
// distance depends on the values between, with its length already encoded;
// should the distance be out of reach, the part's text it spells is
// written as literals instead.
type gzSeg struct {
	n           int32
	at          int32 // the first word, or the copy's offset in its part
	src, srcOff int32
	size        int32
	length      huffCode // the length's symbol and extra bits
}

// bitString is encoded deflate bits, in 32-bit words (least significant
// bit first) and a count.
type bitString struct {
	words []uint32
	n     int
}

// huffCode is a Huffman code, reversed to be written least significant bit
// first, and its length in bits.
type huffCode struct {
	code uint32
	len  uint8
}

// valueSample is text like the values of a verification page, whose bytes
// the code counts as it counts the parts' literals: a number, dates, a
// village, masked names and hexadecimal digests.
const valueSample = "470/012/3505122001/XII/2026 4 Desember 2026, 10.15 WIB 31 Desember 2027 " +
	"Surat Keterangan Domisili Desa Sumberejo, Kecamatan Sanankulon, Kabupaten Blitar " +
	"S**** W**** N**** Bambang Sutejo, Kepala Desa 1f3a9c0b7d2e4f5a68b9c0d1e2f3a4b5c6d7e8f90a1b2c3d4e5f6a7b8c9d0e1f"

// newGzPlan compresses a skeleton's parts with their plans (planDeflate).
func newGzPlan(parts []string, plans [][]gzOp) *gzPlan {
	// The code: the parts' own symbols, and every byte, length and
	// distance at least once, as the values may hold anything and the
	// distances to earlier parts grow with them.
	var litFreq [286]int
	var distFreq [30]int
	for i := range litFreq {
		litFreq[i] = 1
	}
	for i := range distFreq {
		distFreq[i] = 1
	}
	for _, c := range []byte(valueSample) {
		litFreq[c] += 2
	}
	starts := make([]int, len(parts))
	for i := 1; i < len(parts); i++ {
		starts[i] = starts[i-1] + len(parts[i-1])
	}
	for i, ops := range plans {
		for _, op := range ops {
			if op.src < 0 {
				for _, c := range []byte(parts[i][op.off : op.off+op.n]) {
					litFreq[c] += 2
				}
				continue
			}
			sym, _, _ := lengthCode(int(op.n))
			dc, _, _ := distanceCode(starts[i] + int(op.off) - starts[op.src] - int(op.srcOff))
			litFreq[sym] += 2
			distFreq[dc] += 2
		}
	}
	p := &gzPlan{ends: make([]int32, len(parts))}
	litLen := huffmanLengths(litFreq[:], 15)
	distLen := huffmanLengths(distFreq[:], 15)
	canonical(litLen, p.lit[:])
	canonical(distLen, p.dist[:])
	var bw bitWriter
	bw.put(1, 1) // BFINAL: the only block
	bw.put(2, 2) // BTYPE 10: a code of its own
	writeCodeTables(&bw, litLen, distLen)
	p.head = bw.bitString()
	var run bitWriter
	stretch := func() { // ends the run of encoded bits, if any
		if run.count() > 0 {
			bs := run.bitString()
			p.segs = append(p.segs, gzSeg{n: int32(bs.n), at: int32(len(p.words))})
			p.words = append(p.words, bs.words...)
			run = bitWriter{}
		}
	}
	for i, ops := range plans {
		for _, op := range ops {
			switch {
			case op.src < 0:
				run.literalText(&p.lit, parts[i][op.off:op.off+op.n])
			case int(op.src) == i:
				run.copy(p, int(op.n), int(op.off-op.srcOff))
			default:
				stretch()
				sym, extra, extraBits := lengthCode(int(op.n))
				c := p.lit[sym]
				length := huffCode{code: c.code | uint32(extra)<<c.len, len: c.len + uint8(extraBits)}
				p.segs = append(p.segs, gzSeg{at: op.off, src: op.src, srcOff: op.srcOff, size: op.n, length: length})
			}
		}
		stretch()
		p.ends[i] = int32(len(p.segs))
	}
	return p
}

// writeGzip appends to dst a gzip member of body, the skeleton's page as
// write rendered it with the parts starting at starts.
func (sk *skeleton) writeGzip(dst *bytes.Buffer, body []byte, starts []int) {
	p := sk.gz
	// A page compresses to well under its size; put grows the output
	// should one not.
	dst.Grow(gzipHeaderSize + p.head.n/8 + len(body) + gzipTrailerSize + 8)
	bw := bitWriter{out: dst.AvailableBuffer()}
	bw.out = bw.out[:cap(bw.out)]
	bw.pos = copy(bw.out, gzipHeader[:])
	bw.putString(p.head)
	var seen valueIndex
	k := 0
	for i, end := range p.ends {
		at := starts[i]
		for ; k < int(end); k++ {
			sg := &p.segs[k]
			if sg.n > 0 {
				bw.putString(bitString{words: p.words[sg.at:], n: int(sg.n)})
				continue
			}
			d := at + int(sg.at) - (starts[sg.src] + int(sg.srcOff))
			if d > deflateMaxDistance { // the values between pushed the source out of reach
				bw.literalText(&p.lit, sk.parts[i][sg.at:sg.at+sg.size])
				continue
			}
			bw.put(sg.length.code, uint(sg.length.len))
			dc := distanceSym(d)
			c := p.dist[dc]
			bw.put(c.code|uint32(d-distanceBase[dc])<<c.len, uint(c.len)+uint(distanceExtraBits[dc]))
		}
		if i+1 < len(starts) {
			bw.value(p, body, at+len(sk.parts[i]), starts[i+1], &seen)
		}
	}
	bw.put(p.lit[256].code, uint(p.lit[256].len)) // end of block
	out := bw.flush()
	out = binary.LittleEndian.AppendUint32(out, crc32.ChecksumIEEE(body)) // the trailer
	out = binary.LittleEndian.AppendUint32(out, uint32(len(body)))
	dst.Write(out)
}

// gzipHeader starts a gzip member: deflate, no name, no time, unknown
// system. The member ends with gzipTrailerSize bytes, the page's CRC-32
// and length.
var gzipHeader = [gzipHeaderSize]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}

const gzipHeaderSize, gzipTrailerSize = 10, 8

// valueIndex finds earlier values in a page: the position after the last
// value byte starting each hashed four bytes (0: none).
type valueIndex [1 << 10]int32

// value writes body[from:to], a slot's value, copying runs of four bytes
// or more that earlier values of the page hold (a page repeats its code,
// its letter type, its village, its dates), the rest as literals. Only
// runs that start a word are looked for: the repeats start there, and
// hashing every byte cost more than it saved.
func (w *bitWriter) value(p *gzPlan, body []byte, from, to int, seen *valueIndex) {
	for q := from; q < to; {
		if q+4 <= to && (q == from || wordStart[body[q-1]]) {
			k := binary.LittleEndian.Uint32(body[q:])
			h := (k * 2654435761) >> 22
			src := int(seen[h]) - 1
			seen[h] = int32(q + 1)
			if src >= 0 && q-src <= deflateMaxDistance && binary.LittleEndian.Uint32(body[src:]) == k {
				n := 4
				for q+n < to && n < 258 && body[src+n] == body[q+n] {
					n++
				}
				w.copy(p, n, q-src)
				q += n
				continue
			}
		}
		c := p.lit[body[q]]
		w.put(c.code, uint(c.len))
		q++
	}
}

// wordStart marks the bytes after which value looks for a repeat.
var wordStart = [256]bool{' ': true, '/': true, ',': true, '(': true, '-': true, ';': true, ':': true}

// bitWriter writes deflate's bit stream: least significant bit first, with
// Huffman codes stored reversed so that they come out most significant bit
// first (RFC 1951 §3.1.1).
type bitWriter struct {
	out  []byte // written up to pos; grown when full
	pos  int
	bits uint64
	n    uint // bits pending in bits, < 32 between calls
}

// put writes the n (<= 32) low bits of v.
func (w *bitWriter) put(v uint32, n uint) {
	w.bits |= uint64(v) << w.n
	w.n += n
	if w.n >= 32 {
		if w.pos+4 > len(w.out) {
			w.out = append(w.out, make([]byte, len(w.out)+64)...)
		}
		binary.LittleEndian.PutUint32(w.out[w.pos:], uint32(w.bits))
		w.pos += 4
		w.bits >>= 32
		w.n -= 32
	}
}

// putString writes encoded bits. Every whole word fills the pending
// bits past 32, so each writes four bytes.
func (w *bitWriter) putString(s bitString) {
	full := s.n / 32
	if w.pos+4*full > len(w.out) {
		w.out = append(w.out, make([]byte, len(w.out)+4*full)...)
	}
	out, pos, pending, n := w.out, w.pos, w.bits, w.n
	for _, word := range s.words[:full] {
		pending |= uint64(word) << n
		binary.LittleEndian.PutUint32(out[pos:], uint32(pending))
		pos += 4
		pending >>= 32
	}
	w.pos, w.bits = pos, pending
	if rest := uint(s.n % 32); rest > 0 {
		w.put(s.words[full], rest)
	}
}

func (w *bitWriter) literalText(lit *[286]huffCode, s string) {
	for i := 0; i < len(s); i++ {
		w.put(lit[s[i]].code, uint(lit[s[i]].len))
	}
}

// copy writes a copy of length bytes (3-258) from distance bytes back
// (1-32768) in p's code.
func (w *bitWriter) copy(p *gzPlan, length, distance int) {
	sym, extra, extraBits := lengthCode(length)
	w.put(p.lit[sym].code, uint(p.lit[sym].len))
	w.put(uint32(extra), extraBits)
	dc, dextra, dextraBits := distanceCode(distance)
	w.put(p.dist[dc].code, uint(p.dist[dc].len))
	w.put(uint32(dextra), dextraBits)
}

// count is the number of bits written.
func (w *bitWriter) count() int { return w.pos*8 + int(w.n) }

// flush writes the pending bits, the last byte padded with zeros, and
// returns the output.
func (w *bitWriter) flush() []byte {
	out := w.out[:w.pos]
	for w.n > 0 {
		out = append(out, byte(w.bits))
		w.bits >>= 8
		w.n -= min(w.n, 8)
	}
	w.bits = 0
	return out
}

// bitString returns what w wrote as a bitString.
func (w *bitWriter) bitString() bitString {
	n := w.count()
	b := w.flush()
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	words := make([]uint32, len(b)/4)
	for i := range words {
		words[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return bitString{words: words, n: n}
}

// lengthCode returns the symbol of a copy's length (3-258) and its extra
// bits (RFC 1951 §3.2.5).
func lengthCode(length int) (sym, extra int, extraBits uint) {
	x := length - 3
	switch {
	case length == 258:
		return 285, 0, 0
	case x < 8:
		return 257 + x, 0, 0
	}
	top := uint(bits.Len(uint(x)) - 1) // x >= 8: top >= 3
	extraBits = top - 2
	sub := (x >> extraBits) & 3
	return 257 + 4*int(top-1) + sub, x - (4+sub)<<extraBits, extraBits
}

// distanceCode returns the code of a copy's distance (1-32768) and its
// extra bits.
func distanceCode(distance int) (code, extra int, extraBits uint) {
	x := distance - 1
	if x < 4 {
		return x, 0, 0
	}
	top := uint(bits.Len(uint(x)) - 1) // x >= 4: top >= 2
	extraBits = top - 1
	sub := (x >> extraBits) & 1
	return 2*int(top) + sub, x - (2+sub)<<extraBits, extraBits
}

// distanceSym is distanceCode's symbol by table, for the copies that
// writeGzip measures per page: distanceSyms holds the symbol of each
// distance-1 below 256, and of each (distance-1)>>7 above, whose symbols
// are 14 more (the extra bits then cover the seven bits shifted out).
func distanceSym(distance int) int {
	x := distance - 1
	if x < 256 {
		return int(distanceSyms[x])
	}
	return int(distanceSyms[x>>7]) + 14
}

var distanceSyms, distanceBase, distanceExtraBits = func() (syms [256]uint8, base [30]int, extra [30]uint8) {
	for d := 32768; d >= 1; d-- {
		code, e, eb := distanceCode(d)
		base[code], extra[code] = d-e, uint8(eb)
		if d <= 256 {
			syms[d-1] = uint8(code)
		}
	}
	return
}()

// huffmanLengths returns the code lengths of a Huffman code for freq, none
// longer than limit: zero for a symbol that never occurs, and at least one
// bit for each of the others. When the tree is too deep the frequencies
// are flattened and the code made again.
func huffmanLengths(freq []int, limit int) []uint8 {
	f := append([]int(nil), freq...)
	for {
		lengths, deepest := huffman(f)
		if deepest <= limit {
			return lengths
		}
		for i, x := range f {
			if x > 0 {
				f[i] = x/2 + 1
			}
		}
	}
}

// huffman builds a Huffman tree for freq and returns each symbol's depth
// and the deepest. Two sorted queues stand in for a heap: the leaves, and
// the inner nodes, which are made in order of weight.
func huffman(freq []int) ([]uint8, int) {
	type node struct{ weight, parent int }
	var nodes []node
	var leaves []int // symbols by weight
	for s, x := range freq {
		if x > 0 {
			leaves = append(leaves, s)
		}
	}
	lengths := make([]uint8, len(freq))
	switch len(leaves) {
	case 0:
		return lengths, 0
	case 1:
		lengths[leaves[0]] = 1
		return lengths, 1
	}
	slices.SortStableFunc(leaves, func(a, b int) int { return cmp.Compare(freq[a], freq[b]) })
	for _, s := range leaves {
		nodes = append(nodes, node{weight: freq[s], parent: -1})
	}
	nl := len(leaves)
	li, ii := 0, nl // the next leaf, the next inner node
	take := func() int {
		if li < nl && (ii >= len(nodes) || nodes[li].weight <= nodes[ii].weight) {
			li++
			return li - 1
		}
		ii++
		return ii - 1
	}
	for range nl - 1 {
		a, b := take(), take()
		nodes = append(nodes, node{weight: nodes[a].weight + nodes[b].weight, parent: -1})
		nodes[a].parent, nodes[b].parent = len(nodes)-1, len(nodes)-1
	}
	depth := make([]int, len(nodes))
	deepest := 0
	for i := len(nodes) - 2; i >= 0; i-- { // parents come after their children
		depth[i] = depth[nodes[i].parent] + 1
		if i < nl {
			lengths[leaves[i]] = uint8(depth[i])
			deepest = max(deepest, depth[i])
		}
	}
	return lengths, deepest
}

// canonical sets codes to the canonical Huffman code of lengths (RFC 1951
// §3.2.2), reversed for bitWriter.
func canonical(lengths []uint8, codes []huffCode) {
	var count, next [16]uint32
	for _, l := range lengths {
		count[l]++
	}
	count[0] = 0
	code := uint32(0)
	for b := 1; b < 16; b++ {
		code = (code + count[b-1]) << 1
		next[b] = code
	}
	for s, l := range lengths {
		if l == 0 {
			codes[s] = huffCode{}
			continue
		}
		codes[s] = huffCode{code: uint32(bits.Reverse16(uint16(next[l])) >> (16 - l)), len: l}
		next[l]++
	}
}

// codeLengthOrder is the order in which the code length code's own lengths
// are sent (RFC 1951 §3.2.7).
var codeLengthOrder = [19]int{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

// writeCodeTables writes a dynamic block's HLIT, HDIST, HCLEN and code
// lengths, run-length coded (RFC 1951 §3.2.7).
func writeCodeTables(w *bitWriter, litLen, distLen []uint8) {
	nlit, ndist := len(litLen), len(distLen)
	for nlit > 257 && litLen[nlit-1] == 0 {
		nlit--
	}
	for ndist > 1 && distLen[ndist-1] == 0 {
		ndist--
	}
	seq := append(append([]uint8(nil), litLen[:nlit]...), distLen[:ndist]...)
	type clSym struct {
		sym   int
		extra uint32
	}
	var syms []clSym
	for i := 0; i < len(seq); {
		v, run := seq[i], 1
		for i+run < len(seq) && seq[i+run] == v {
			run++
		}
		i += run
		if v == 0 {
			for run >= 11 {
				r := min(run, 138)
				syms = append(syms, clSym{18, uint32(r - 11)})
				run -= r
			}
			if run >= 3 {
				syms = append(syms, clSym{17, uint32(run - 3)})
				run = 0
			}
		} else {
			syms = append(syms, clSym{sym: int(v)})
			run--
			for run >= 3 {
				r := min(run, 6)
				syms = append(syms, clSym{16, uint32(r - 3)})
				run -= r
			}
		}
		for range run {
			syms = append(syms, clSym{sym: int(v)})
		}
	}
	var clFreq [19]int
	for _, s := range syms {
		clFreq[s.sym]++
	}
	clLen := huffmanLengths(clFreq[:], 7)
	var clCode [19]huffCode
	canonical(clLen, clCode[:])
	ncl := 19
	for ncl > 4 && clLen[codeLengthOrder[ncl-1]] == 0 {
		ncl--
	}
	w.put(uint32(nlit-257), 5)
	w.put(uint32(ndist-1), 5)
	w.put(uint32(ncl-4), 4)
	for _, s := range codeLengthOrder[:ncl] {
		w.put(uint32(clLen[s]), 3)
	}
	extraBits := map[int]uint{16: 2, 17: 3, 18: 7}
	for _, s := range syms {
		w.put(clCode[s.sym].code, uint(clCode[s.sym].len))
		if eb := extraBits[s.sym]; eb > 0 {
			w.put(s.extra, eb)
		}
	}
}
