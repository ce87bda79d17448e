{{ stage_his_registrations('his_d') }}
