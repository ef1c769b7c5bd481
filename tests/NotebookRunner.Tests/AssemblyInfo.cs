// One test collection at a time: most of these tests start kernels that train models on the machine's few cores, and
// some of them time what they run (a quick-mode notebook's budget, a cell's time limit). Run side by side, each would
// time the others' work too.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
