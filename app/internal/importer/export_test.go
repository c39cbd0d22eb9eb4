package importer

// HeapGrowth is heapGrowth, for the package's external tests.
var HeapGrowth = heapGrowth
