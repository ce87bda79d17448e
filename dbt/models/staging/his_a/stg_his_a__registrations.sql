{{ stage_his_registrations('his_a') }}
