import type { SparkBackend as SparkType } from "../../config/types";
import { custom } from "./custom";
import { dataproc } from "./dataproc";
import { dataprocServerless } from "./dataproc-serverless";
import { kubernetes } from "./kubernetes";
import type { SparkBackendModule } from "./types";

/** Every Spark backend, by its `spark.type` (`k8s` is read as `kubernetes` in config/). */
export const BACKENDS: { [T in SparkType]: SparkBackendModule<T> } = {
  dataproc,
  "dataproc-serverless": dataprocServerless,
  kubernetes,
  custom,
};

export type { ArtifactUris, BackendContext, BackendTasks, SparkBackendModule } from "./types";
