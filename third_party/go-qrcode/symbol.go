// go-qrcode
// Copyright 2014 Tom Harwood

package qrcode

// symbol is a 2D array of bits representing a QR Code symbol.
//
// A symbol consists of size*size modules, with each module normally drawn as a
// black or white square. The symbol also has a border of quietZoneSize modules.
//
// A (fictional) size=2, quietZoneSize=1 QR Code looks like:
//
// +----+
// |    |
// | ab |
// | cd |
// |    |
// +----+
//
// For ease of implementation, the functions to set/get bits ignore the border,
// so (0,0)=a, (0,1)=b, (1,0)=c, and (1,1)=d. The entire symbol (including the
// border) is returned by bitmap().
type symbol struct {
	// Value of module at [y][x]. True is set.
	module [][]bool

	// True if the module at [y][x] is used (to either true or false).
	// Used to identify unused modules.
	isUsed [][]bool

	// Combined width/height of the symbol and quiet zones.
	//
	// size = symbolSize + 2*quietZoneSize.
	size int

	// Width/height of the symbol only.
	symbolSize int

	// Width/height of a single quiet zone.
	quietZoneSize int
}

// newSymbol constructs a symbol of size size*size, with a border of
// quietZoneSize.
func newSymbol(size int, quietZoneSize int) *symbol {
	var m symbol

	// suratdesa addition: the rows of module and isUsed are slices of one
	// array each, two allocations instead of two per row.
	w := size + 2*quietZoneSize
	m.module = make([][]bool, w)
	m.isUsed = make([][]bool, w)
	modules, used := make([]bool, w*w), make([]bool, w*w)

	for i := range m.module {
		m.module[i] = modules[i*w : (i+1)*w : (i+1)*w]
		m.isUsed[i] = used[i*w : (i+1)*w : (i+1)*w]
	}

	m.size = w
	m.symbolSize = size
	m.quietZoneSize = quietZoneSize

	return &m
}

// get returns the module value at (x, y).
func (m *symbol) get(x int, y int) (v bool) {
	v = m.module[y+m.quietZoneSize][x+m.quietZoneSize]
	return
}

// empty returns true if the module at (x, y) has not been set (to either true
// or false).
func (m *symbol) empty(x int, y int) bool {
	return !m.isUsed[y+m.quietZoneSize][x+m.quietZoneSize]
}

// numEmptyModules returns the number of empty modules.
//
// Initially numEmptyModules is symbolSize * symbolSize. After every module has
// been set (to either true or false), the number of empty modules is zero.
func (m *symbol) numEmptyModules() int {
	var count int
	for y := 0; y < m.symbolSize; y++ {
		for x := 0; x < m.symbolSize; x++ {
			if !m.isUsed[y+m.quietZoneSize][x+m.quietZoneSize] {
				count++
			}
		}
	}

	return count
}

// set sets the module at (x, y) to v.
func (m *symbol) set(x int, y int, v bool) {
	m.module[y+m.quietZoneSize][x+m.quietZoneSize] = v
	m.isUsed[y+m.quietZoneSize][x+m.quietZoneSize] = true
}

// set2dPattern sets a 2D array of modules, starting at (x, y).
func (m *symbol) set2dPattern(x int, y int, v [][]bool) {
	for j, row := range v {
		for i, value := range row {
			m.set(x+i, y+j, value)
		}
	}
}

// bitmap returns the entire symbol, including the quiet zone.
func (m *symbol) bitmap() [][]bool {
	module := make([][]bool, len(m.module))

	for i := range m.module {
		module[i] = m.module[i][:]
	}

	return module
}

// string returns a pictorial representation of the symbol, suitable for
// printing in a TTY.
func (m *symbol) string() string {
	var result string

	for _, row := range m.module {
		for _, value := range row {
			switch value {
			case true:
				result += "  "
			case false:
				// Unicode 'FULL BLOCK' (U+2588).
				result += "██"
			}
		}
		result += "\n"
	}

	return result
}

// Constants used to weight penalty calculations. Specified by ISO/IEC
// 18004:2006.
const (
	penaltyWeight1 = 3
	penaltyWeight2 = 3
	penaltyWeight3 = 40
	penaltyWeight4 = 10
)

// penaltyScore returns the penalty score of the symbol. The penalty score
// consists of the sum of the four individual penalty types.
func (m *symbol) penaltyScore() int {
	return m.penalty1() + m.penalty2() + m.penalty3() + m.penalty4()
}

// penalty1 returns the penalty score for "adjacent modules in row/column with
// same colour".
//
// The numbers of adjacent matching modules and scores are:
// 0-5: score = 0
// 6+ : score = penaltyWeight1 + (numAdjacentModules - 5)
func (m *symbol) penalty1() int {
	// suratdesa addition: the scores of penalty1 to penalty4 are upstream's;
	// they read the symbol a row at a time (row), and the columns' runs and
	// patterns advance together, row by row, in arrays of one entry per
	// column, instead of through get for every module.
	n := m.symbolSize
	penalty := 0

	var colLast [maxSymbolSize]bool
	var colCount [maxSymbolSize]int
	copy(colLast[:], m.row(0))
	for x := 0; x < n; x++ {
		colCount[x] = 1
	}
	for y := 1; y < n; y++ {
		for x, v := range m.row(y) {
			var p int
			colCount[x], colLast[x], p = sameRun(colCount[x], colLast[x], v)
			penalty += p
		}
	}

	for y := 0; y < n; y++ {
		row := m.row(y)
		last, count := row[0], 1
		for _, v := range row[1:] {
			var p int
			count, last, p = sameRun(count, last, v)
			penalty += p
		}
	}

	return penalty
}

// suratdesa addition: sameRun extends a run of count modules of colour
// last by a module of colour v, and returns the new run and the penalty1
// score the module adds.
func sameRun(count int, last bool, v bool) (int, bool, int) {
	if v != last {
		return 1, v, 0
	}
	count++
	switch {
	case count == 6:
		return count, last, penaltyWeight1 + 1
	case count > 6:
		return count, last, 1
	}
	return count, last, 0
}

// penalty2 returns the penalty score for "block of modules in the same colour".
//
// m*n: score = penaltyWeight2 * (m-1) * (n-1).
func (m *symbol) penalty2() int {
	penalty := 0

	for y := 1; y < m.symbolSize; y++ {
		above, row := m.row(y-1), m.row(y)
		for x := 1; x < m.symbolSize; x++ {
			current := row[x]

			if current == row[x-1] && current == above[x] && current == above[x-1] {
				penalty++
			}
		}
	}

	return penalty * penaltyWeight2
}

// penalty3 returns the penalty score for "1:1:3:1:1 ratio
// (dark:light:dark:light:dark) pattern in row/column, preceded or followed by
// light area 4 modules wide".
//
// Existence of the pattern scores penaltyWeight3.
func (m *symbol) penalty3() int {
	n := m.symbolSize
	penalty := 0

	for y := 0; y < n; y++ {
		var bitBuffer int16
		for x, v := range m.row(y) {
			var p int
			bitBuffer, p = finderLike(bitBuffer, v, x == n-1)
			penalty += p
		}
	}

	var columns [maxSymbolSize]int16
	for y := 0; y < n; y++ {
		for x, v := range m.row(y) {
			var p int
			columns[x], p = finderLike(columns[x], v, y == n-1)
			penalty += p
		}
	}

	return penalty
}

// suratdesa addition: finderLike shifts module v into a line's bitBuffer
// and returns it and the penalty3 score of a pattern that ends there (end:
// the line's last module).
func finderLike(bitBuffer int16, v bool, end bool) (int16, int) {
	bitBuffer <<= 1
	if v {
		bitBuffer |= 1
	}

	switch bitBuffer & 0x7ff {
	// 0b000 0101 1101 or 0b10111010000
	// 0x05d           or 0x5d0
	case 0x05d, 0x5d0:
		return 0xFF, penaltyWeight3
	default:
		if end && (bitBuffer&0x7f) == 0x5d {
			return 0xFF, penaltyWeight3
		}
	}
	return bitBuffer, 0
}

// penalty4 returns the penalty score...
func (m *symbol) penalty4() int {
	numModules := m.symbolSize * m.symbolSize
	numDarkModules := 0

	for y := 0; y < m.symbolSize; y++ {
		for _, v := range m.row(y) {
			if v {
				numDarkModules++
			}
		}
	}

	numDarkModuleDeviation := numModules/2 - numDarkModules
	if numDarkModuleDeviation < 0 {
		numDarkModuleDeviation *= -1
	}

	return penaltyWeight4 * (numDarkModuleDeviation / (numModules / 20))
}

// suratdesa addition: maxSymbolSize is the width of the largest symbol
// (version 40) without its quiet zone.
const maxSymbolSize = 17 + 4*40

// suratdesa addition: row returns row y of the symbol without the quiet
// zone, as get reads it.
func (m *symbol) row(y int) []bool {
	q := m.quietZoneSize
	return m.module[y+q][q : q+m.symbolSize]
}
