"""Campaigns: one message from staff to every user who may receive one, an email per user.

The app sits above `users` and `emails` and uses both; neither knows it exists.

- Who receives a campaign is the users app's to say (`user_campaign_recipient_list`).
- The emails are the emails app's own `Email` rows, created and queued through its
  services like any other email, flagged `bulk` so that they travel on the bulk queue.
- Which email a campaign sent to which address is recorded here, a row per recipient
  (`EmailCampaignRecipient`): the emails app has no field that points back, so its
  code and its migrations never name this app.
"""
