// Fewer stack frames in the workflow thread's V8 context. Evaluated once per workflow thread, before the
// SDK freezes that context's globals (the bundle's `preloadModules`, src/workflow-bundle.ts): workflow
// code cannot set it afterwards.
//
// Why: the SDK's promise hook captures a stack trace, and maps every frame through the bundle's source
// map, for each promise workflow code creates (six per pod, see pod-dispatch.ts). Measured over the
// replay of a 1,000-pod Job (loaded 2-core machine): ~65 µs per promise at V8's default of 10 frames,
// ~48 µs at 7.
// What it costs: the hook's traces lose their deepest frames, but its own two come first, so the Web
// UI's "Stack Trace" tab (`__stack_trace`) of a running Job is what it was at 10 (each pod's reaction
// in pod-dispatch.ts up to job.ts's step, and the loop's wait in job.ts); an error thrown by workflow
// code keeps its 7 innermost frames.
Error.stackTraceLimit = 7;

export {};
