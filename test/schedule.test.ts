/**
 * The schedule and start-date rules. A generator written here from the cron grammar (not from
 * the implementation) builds expressions croniter accepts; test/python/airflow/
 * test_schedule_rule.py holds the rule to real croniter and Airflow on a shared corpus.
 */
import fc from "fast-check";
import { scheduleProblem, startDateProblem } from "../components/config/schedule";

const field = (min: number, max: number): fc.Arbitrary<string> => {
  const value = fc.integer({ min, max });
  const item = fc.oneof(
    fc.constant("*"),
    value.map(String),
    fc.tuple(value, value).map(([a, b]) => (a <= b ? `${a}-${b}` : `${b}-${a}`)),
    fc
      .tuple(fc.constantFrom("*", String(min)), fc.integer({ min: 1, max: 30 }))
      .map(([base, step]) => `${base}/${step}`),
  );
  return fc.array(item, { minLength: 1, maxLength: 3 }).map((items) => items.join(","));
};

const cron = fc
  .tuple(field(0, 59), field(0, 23), field(1, 28), field(1, 12), field(0, 7))
  .map((fields) => fields.join(" "));

describe("scheduleProblem", () => {
  it("accepts every five-field cron of numbers, ranges, steps and lists", () => {
    fc.assert(fc.property(cron, (c) => scheduleProblem(c) === null));
  });

  it("refuses any field pushed one past its range", () => {
    const limits: [number, number][] = [
      [0, 59],
      [0, 23],
      [1, 31],
      [1, 12],
      [0, 7],
    ];
    fc.assert(
      fc.property(cron, fc.integer({ min: 0, max: 4 }), fc.boolean(), (c, i, low) => {
        const fields = c.split(" ");
        const [min, max] = limits[i]!;
        if (low && min === 0) return true; // -1 is refused too, but as "not a number"
        fields[i] = String(low ? min - 1 : max + 1);
        return scheduleProblem(fields.join(" ")) !== null;
      }),
    );
  });

  it.each([
    "@daily",
    "@once",
    "@continuous",
    "0 0 * * MON-FRI",
    "0 6 1 jan,jul *",
    "*/15 8-18 * * 1-5",
    "0 0 L * *",
    "0 0 ? * 5#2",
    "0 0 29 2 *",
  ])("accepts %s", (c) => {
    expect(scheduleProblem(c)).toBeNull();
  });

  it.each([
    ["@annually", /"@annually" is not an Airflow preset/],
    ["not a cron", /found 3 fields$/],
    ["* * * * * *", /found 6 fields$/],
    ["*/0 * * * *", /minute "\*\/0" has step "0", expected a whole number from 1$/],
    ["5-1 * * * *", /minute "5-1" is a range from high to low/],
    ["1,,2 * * * *", /minute "" is empty/],
    ["0 0 * * 5L", /day of week "5L": "5L" is not a number from 0 to 7 or a name \(sun-sat\)$/],
    ["0 0 30 2 *", /never fires/],
    ["0 0 31 4,6 *", /never fires/],
  ])("refuses %s", (c, reason) => {
    expect(scheduleProblem(c)).toMatch(reason);
  });
});

describe("startDateProblem", () => {
  it("accepts exactly the dates of the proleptic Gregorian calendar", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9999 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 31 }),
        (y, m, d) => {
          const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
          const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
          const text = `${String(y).padStart(4, "0")}${String(m).padStart(2, "0")}${String(d).padStart(2, "0")}`;
          return (startDateProblem(text) === null) === d <= days;
        },
      ),
    );
  });
});
