/** The DSL that behaviour spec files import. */
export { behaviour, type Behaviour, type BehaviourDefinition, type Floor, type Generated, type ProbeContext, type ProbeSource } from './behaviour.js';
export { check, choice, continuation, copying, next, type Check, type Judge, type Probe, type ProbeInput, type Prompt } from './probe.js';
export { default as fc } from 'fast-check';
