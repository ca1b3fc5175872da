"""Project settings. Kedro's defaults are used, but for one resolver: OmegaConfigLoader reads
`conf/`, `base` plus the run env (`local` unless --env or KEDRO_ENV says otherwise).

`oc.env` is made available outside credentials (Kedro allows it only there by default) so that
`conf/cloud/globals.yml` can take the data root from the environment, with the bucket as the
default; Kedro's docs describe this registration ("custom_resolvers" in CONFIG_LOADER_ARGS).

No hooks are registered: Spark sessions are created on first use, by the Spark datasets or by
`SparkSession.builder.getOrCreate()` inside the nodes that need one, so nodes that do not use
Spark never start a JVM. Spark settings come from the launcher (spark-submit --conf, Dataproc
job properties, PYSPARK_SUBMIT_ARGS for a local `kedro run`).
"""

from omegaconf.resolvers import oc

# Setting CONFIG_LOADER_ARGS replaces Kedro's default, so its base_env and default_run_env
# are restated.
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    "custom_resolvers": {"oc.env": oc.env},
}
