import os

from piccolo.conf.apps import AppConfig, table_finder

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="training",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    # Each domain package owns its tables; the Piccolo app and its migrations stay one.
    table_classes=table_finder(
        modules=[
            "training.reference.tables",
            "training.people.tables",
            "training.classes.tables",
            "training.coverage.tables",
            "training.auth.tables",
            "training.records.tables",
            "training.notifications.tables",
        ],
        exclude_imported=True,
    ),
    migration_dependencies=[
        "piccolo.apps.user.piccolo_app",
        "piccolo_api.session_auth.piccolo_app",
    ],
    commands=[],
)
