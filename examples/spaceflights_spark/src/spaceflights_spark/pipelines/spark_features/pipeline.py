from kedro.pipeline import Pipeline, node, pipeline

from .nodes import build_features, price_bands, score_shuttles, shuttles_to_spark
from .untyped_nodes import clean_reviews, compute_engine_stats

# The seed plugin's tag was `kedro-airflow-k8s:group:pyspark`, but Kedro 0.19 and 1.x accept
# only letters, digits, `_`, `-` and `.` in tags, so the colons are spelled as dots here.
SPARK_TAG = "kedro-airflow-k8s.group.pyspark"


def create_pipeline(**kwargs) -> Pipeline:
    return pipeline(
        [
            node(
                clean_reviews,
                inputs="reviews@spark",
                outputs="reviews_clean_sdf",
                name="clean_reviews_node",
            ),
            node(
                shuttles_to_spark,
                inputs=["preprocessed_shuttles", "preprocessed_companies"],
                outputs="shuttle_companies",
                name="shuttles_to_spark_node",
            ),
            node(
                build_features,
                inputs=["shuttle_companies", "reviews_clean_sdf"],
                outputs=["model_input@spark", "shuttle_features_sdf"],
                name="build_features_node",
                tags=["features"],
            ),
            node(
                price_bands,
                inputs=["model_input@pandas", "params:price_bands"],
                outputs="price_bands",
                name="price_bands_node",
            ),
            node(
                score_shuttles,
                inputs=["shuttle_features_sdf", "price_bands"],
                outputs="shuttle_scores",
                name="score_shuttles_node",
            ),
            node(
                compute_engine_stats,
                inputs=["preprocessed_shuttles", "reviews@pandas"],
                outputs="engine_stats",
                name="engine_stats_node",
                tags=[SPARK_TAG, "features"],
            ),
        ]
    )
