import { Catalog, detectSparkNode } from "../components/planning/detect";
import type { ManifestNode } from "../components/manifest/types";
import { DF, TAG } from "./helpers/pipelines";

const node = (over: Partial<ManifestNode>): ManifestNode => ({
  name: "n",
  func: null,
  namespace: null,
  inputs: [],
  outputs: [],
  tags: [],
  inputTypes: [],
  outputTypes: [],
  ...over,
});

describe("rule 1: the pyspark tag", () => {
  it("marks a tagged node with no Spark types", () => {
    expect(detectSparkNode(node({ tags: ["other", TAG] }), new Catalog({}))).toEqual({
      code: "tag",
      evidence: `tagged ${TAG}`,
    });
  });
  it("takes the dotted spelling that Kedro 0.19+ allows (no colons in tags)", () => {
    const dotted = "kedro-airflow-k8s.group.pyspark";
    expect(detectSparkNode(node({ tags: [dotted] }), new Catalog({}))).toEqual({
      code: "tag",
      evidence: `tagged ${dotted}`,
    });
  });
  it("ignores look-alike tags", () => {
    const n = node({ tags: ["kedro-airflow-k8s:group:spark", "pyspark", `${TAG} `] });
    expect(detectSparkNode(n, new Catalog({}))).toBeNull();
  });
});

describe("rule 2: DataFrame type hints", () => {
  it.each([
    "pyspark.sql.dataframe.DataFrame",
    "pyspark.sql.connect.dataframe.DataFrame",
    "pyspark.sql.classic.dataframe.DataFrame",
  ])("marks a parameter annotated with %s", (cls) => {
    const reason = detectSparkNode(
      node({ inputTypes: ["pandas.core.frame.DataFrame", cls] }),
      new Catalog({}),
    );
    expect(reason).toEqual({ code: "type-hint", evidence: `a parameter is annotated with ${cls}` });
  });
  it("marks a node whose return value is a DataFrame", () => {
    expect(detectSparkNode(node({ outputTypes: [DF] }), new Catalog({}))?.evidence).toBe(
      `the return value is annotated with ${DF}`,
    );
  });
  it("does not mark pandas DataFrames", () => {
    const n = node({ inputTypes: ["pandas.core.frame.DataFrame"], outputTypes: ["builtins.dict"] });
    expect(detectSparkNode(n, new Catalog({}))).toBeNull();
  });
});

describe("rule 3: Spark datasets in the catalog", () => {
  const withType = (type: string, classes: string[] = []) => new Catalog({ ds: { type, classes } });
  it.each([
    ["spark.SparkDataset", []],
    ["spark.SparkDataSet", []],
    ["spark.SparkDatasetV2", []],
    ["spark.SparkHiveDataset", []],
    ["spark.SparkJDBCDataset", []],
    ["spark.SparkStreamingDataset", []],
    ["spark.DeltaTableDataset", []],
    ["spark.GBQQueryDataset", []],
    ["databricks.ManagedTableDataset", []],
    ["kedro.extras.datasets.spark.SparkHiveDataSet", []],
    ["kedro.extras.datasets.spark.SparkJDBCDataSet", []],
    ["kedro_datasets.spark.SparkDataset", []],
    [
      "spark.SparkDataset",
      ["kedro_datasets.spark.spark_dataset.SparkDataset", "kedro.io.core.AbstractDataset"],
    ],
  ])("marks an input of type %s", (type, classes) => {
    const reason = detectSparkNode(node({ inputs: ["ds"] }), withType(type, classes));
    expect(reason?.code).toBe("spark-dataset");
    expect(reason?.evidence).toContain('input "ds"');
  });
  it("marks an output too", () => {
    const reason = detectSparkNode(node({ outputs: ["ds"] }), withType("spark.SparkDataset"));
    expect(reason?.evidence).toMatch(/^output "ds" is a spark\.SparkDataset/);
  });
  it("follows subclasses through the resolved bases", () => {
    const catalog = withType("my_project.datasets.LazySparkDataset", [
      "my_project.datasets.LazySparkDataset",
      "kedro_datasets.spark.spark_dataset.SparkDataset",
      "kedro.io.core.AbstractDataset",
    ]);
    const reason = detectSparkNode(node({ inputs: ["ds"] }), catalog);
    expect(reason?.evidence).toBe(
      'input "ds" is a my_project.datasets.LazySparkDataset, a kedro_datasets.spark.spark_dataset.SparkDataset',
    );
  });
  it("does not take pandas.DeltaTableDataset for Spark", () => {
    const catalog = withType("pandas.DeltaTableDataset", [
      "kedro_datasets.pandas.deltatable_dataset.DeltaTableDataset",
      "kedro.io.core.AbstractDataset",
    ]);
    expect(detectSparkNode(node({ inputs: ["ds"] }), catalog)).toBeNull();
  });
  it("accepts user dataset types, qualified or bare", () => {
    const datasets = { ds: { type: "acme.io.IcebergFrame", classes: ["acme.io.IcebergFrame"] } };
    expect(detectSparkNode(node({ inputs: ["ds"] }), new Catalog(datasets))).toBeNull();
    expect(
      detectSparkNode(node({ inputs: ["ds"] }), new Catalog(datasets, ["acme.io.IcebergFrame"]))
        ?.code,
    ).toBe("spark-dataset");
    expect(
      detectSparkNode(node({ inputs: ["ds"] }), new Catalog(datasets, ["IcebergFrame"]))?.code,
    ).toBe("spark-dataset");
    expect(
      detectSparkNode(node({ inputs: ["ds"] }), new Catalog(datasets, ["acme.IcebergFrame"])),
    ).toBeNull();
  });
  it("looks up transcoded names whole: ds@spark is Spark, ds@pandas is not", () => {
    const catalog = new Catalog({
      "ds@spark": { type: "spark.SparkDataset", classes: [] },
      "ds@pandas": { type: "pandas.ParquetDataset", classes: [] },
    });
    expect(detectSparkNode(node({ inputs: ["ds@pandas"] }), catalog)).toBeNull();
    expect(detectSparkNode(node({ outputs: ["ds@spark"] }), catalog)?.code).toBe("spark-dataset");
  });
  it("never looks at parameters or in-memory datasets", () => {
    expect(
      detectSparkNode(node({ inputs: ["params:spark", "parameters", "mem"] }), new Catalog({})),
    ).toBeNull();
  });
});

describe("rule order", () => {
  it("reports the first rule that applies", () => {
    const n = node({ tags: [TAG], inputTypes: [DF], inputs: ["ds"] });
    const catalog = new Catalog({ ds: { type: "spark.SparkDataset", classes: [] } });
    expect(detectSparkNode(n, catalog)?.code).toBe("tag");
    expect(detectSparkNode({ ...n, tags: [] }, catalog)?.code).toBe("type-hint");
    expect(detectSparkNode({ ...n, tags: [], inputTypes: [] }, catalog)?.code).toBe(
      "spark-dataset",
    );
  });
});

describe("in-memory datasets", () => {
  const catalog = new Catalog({
    kept: { type: "pandas.CSVDataset", classes: ["kedro_datasets.pandas.csv_dataset.CSVDataset"] },
    mem: { type: "MemoryDataset", classes: ["kedro.io.memory_dataset.MemoryDataset"] },
    shared: { type: "SharedMemoryDataset", classes: [] },
  });
  it("treats names missing from the catalog and MemoryDataset entries as in memory", () => {
    expect(catalog.isInMemory("absent")).toBe(true);
    expect(catalog.isInMemory("mem")).toBe(true);
    expect(catalog.isInMemory("shared")).toBe(true);
    expect(catalog.isInMemory("kept")).toBe(false);
  });
});
