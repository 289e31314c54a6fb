"""Nothing here yet: common holds the base model and `model_update`."""
