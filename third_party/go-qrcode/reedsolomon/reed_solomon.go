// go-qrcode
// Copyright 2014 Tom Harwood

// Package reedsolomon provides error correction encoding for QR Code 2005.
//
// QR Code 2005 uses a Reed-Solomon error correcting code to detect and correct
// errors encountered during decoding.
//
// The generated RS codes are systematic, and consist of the input data with
// error correction bytes appended.
package reedsolomon

import (
	"log"
	"sync"

	bitset "github.com/skip2/go-qrcode/bitset"
)

// Encode data for QR Code 2005 using the appropriate Reed-Solomon code.
//
// numECBytes is the number of error correction bytes to append, and is
// determined by the target QR Code's version and error correction level.
//
// ISO/IEC 18004 table 9 specifies the numECBytes required. e.g. a 1-L code has
// numECBytes=7.
func Encode(data *bitset.Bitset, numECBytes int) *bitset.Bitset {
	// suratdesa addition: the remainder of data*x^numECBytes divided by the
	// generator polynomial, computed byte by byte with a shift register of
	// numECBytes bytes (polynomial long division, highest degree first)
	// instead of with a newly allocated polynomial for every product of two
	// terms. The remainder is unique, so the bytes are upstream's.
	gen := generatorLogs(numECBytes)
	ec := make([]byte, numECBytes)
	for j := 0; j < data.Len(); j += 8 {
		factor := data.ByteAt(j) ^ ec[0]
		copy(ec, ec[1:])
		ec[numECBytes-1] = 0
		if factor == 0 {
			continue
		}
		lf := int(gfLogTable[factor])
		for i, lg := range gen {
			if lg >= 0 {
				ec[i] ^= byte(gfExpTable[(lf+lg)%255])
			}
		}
	}

	// Combine the data & error correcting bytes.
	// The mathematically correct answer is:
	//
	//	result := gfPolyAdd(ecpoly, remainder).
	//
	// The encoding used by QR Code 2005 is slightly different this result: To
	// preserve the original |data| bit sequence exactly, the data and remainder
	// are combined manually below. This ensures any most significant zero bits
	// are preserved (and not optimised away).
	result := bitset.Clone(data)
	result.AppendBytes(ec)

	return result
}

// suratdesa addition: generators caches generatorLogs by degree.
var generators sync.Map // int -> []int

// generatorLogs returns the logarithms of the coefficients of
// rsGeneratorPoly(degree) below its leading 1, highest degree first, -1
// for a zero coefficient.
func generatorLogs(degree int) []int {
	if g, ok := generators.Load(degree); ok {
		return g.([]int)
	}
	poly := rsGeneratorPoly(degree)
	logs := make([]int, degree)
	for i := range logs {
		logs[i] = -1
		if c := poly.term[degree-1-i]; c != gfZero {
			logs[i] = gfLogTable[c]
		}
	}
	g, _ := generators.LoadOrStore(degree, logs)
	return g.([]int)
}

// rsGeneratorPoly returns the Reed-Solomon generator polynomial with |degree|.
//
// The generator polynomial is calculated as:
// (x + a^0)(x + a^1)...(x + a^degree-1)
func rsGeneratorPoly(degree int) gfPoly {
	if degree < 2 {
		log.Panic("degree < 2")
	}

	generator := gfPoly{term: []gfElement{1}}

	for i := 0; i < degree; i++ {
		nextPoly := gfPoly{term: []gfElement{gfExpTable[i], 1}}
		generator = gfPolyMultiply(generator, nextPoly)
	}

	return generator
}
