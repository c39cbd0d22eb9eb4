module github.com/jung-kurt/gofpdf

go 1.25

require github.com/klauspost/compress v1.20.5
