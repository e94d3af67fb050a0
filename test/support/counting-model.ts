import type { LanguageModel } from '../../harness/model/language-model.js';

/** A model that counts the token positions (padding included) pushed through its body. */
export function countingModel(model: LanguageModel): LanguageModel & { pushed: number; passes: number } {
  const counted = Object.create(model) as LanguageModel & { pushed: number; passes: number };
  counted.pushed = 0;
  counted.passes = 0;
  counted.forward = (ids, targets, opts) => {
    counted.pushed += ids.length * (ids[0]?.length ?? 0);
    counted.passes++;
    return model.forward(ids, targets, opts);
  };
  if (model.forwardCached) {
    counted.forwardCached = (step) => {
      counted.pushed += step.ids.length * (step.ids[0]?.length ?? 0);
      counted.passes++;
      return model.forwardCached!(step);
    };
  }
  return counted;
}
