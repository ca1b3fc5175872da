from kedro.pipeline import Pipeline, node, pipeline

from .nodes import check_shuttles, preprocess_companies, preprocess_shuttles


def create_pipeline(**kwargs) -> Pipeline:
    return pipeline(
        [
            node(
                preprocess_companies,
                inputs=["companies", "params:preprocessing"],
                outputs="preprocessed_companies",
                name="preprocess_companies_node",
            ),
            node(
                preprocess_shuttles,
                inputs="shuttles",
                outputs="shuttles_clean",  # not in the catalog: kept in memory
                name="preprocess_shuttles_node",
            ),
            node(
                check_shuttles,
                inputs=["shuttles_clean", "params:preprocessing"],
                outputs="preprocessed_shuttles",
                name="check_shuttles_node",
            ),
        ]
    )
