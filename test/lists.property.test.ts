/** Pairs.bucket against the obvious push-per-key lists, on random pairs. */
import fc from "fast-check";
import { Pairs } from "../components/common/lists";

describe("Pairs.bucket", () => {
  it("gives every key its values in the order they were added, each list at its exact length", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 12 }).chain((count) =>
          fc.tuple(
            fc.constant(count),
            count === 0
              ? fc.constant([] as [number, number][])
              : fc.array(fc.tuple(fc.nat(count - 1), fc.integer({ min: -5, max: 1000 })), {
                  maxLength: 60,
                }),
          ),
        ),
        ([count, pairs]) => {
          const gathered = new Pairs(pairs.length + 3); // room to spare is allowed
          for (const [k, v] of pairs) gathered.add(k, v);
          const expected: number[][] = Array.from({ length: count }, () => []);
          for (const [k, v] of pairs) expected[k]!.push(v);
          const lists = gathered.bucket(count);
          expect(lists).toEqual(expected);
          // No holes: every slot holds a value (JSON and `for...of` see the same list).
          for (const list of lists) expect(Object.keys(list)).toHaveLength(list.length);
        },
      ),
    );
  });
});
