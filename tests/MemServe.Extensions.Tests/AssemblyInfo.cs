// Engines use every core they are given; run test classes one at a time so timings stay sane on small machines.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
